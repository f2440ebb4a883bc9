"""Fault record: a 5xx from Telegram lost the reply and the apology (issue 11, item 12).

aiogram raises `TelegramServerError` and gives up. Now a request that gets a 5xx is sent once
more after a short pause, so a passing 502 costs the person a second, not the answer; when the
reply fails twice, the error handler's apology gets its own second try. Through the real
`python -m bot` process against the fake Bot API answering 502.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.fake_api import FakeBotApi
from tests.support.http_chat import USER_ID, to_user
from tests.support.processes import bot_env, bot_process

GREETING = "Здравствуйте"
APOLOGY = "пошло не так"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


async def test_a_reply_that_gets_a_502_is_sent_once_more(api: FakeBotApi, tmp_path: Path) -> None:
    api.fail_next("sendMessage", status=502)
    async with bot_process(tmp_path, bot_env(tmp_path, api.url)) as bot:
        await api.wait_for("getUpdates", timeout=30)
        api.push_message(USER_ID, "/start")
        failed = await api.wait_for("sendMessage", lambda p: p.get("chat_id") == USER_ID)
        assert failed.status == 502 and GREETING in failed.params["text"]

        since = api.calls.index(failed) + 1
        greeting = await api.wait_for("sendMessage", to_user(GREETING), since=since)
        assert greeting.status == 200
        assert greeting.at - failed.at >= 0.9, "sent again without the pause"
        await api.wait_for("sendMessage", to_user("согласие"), since=since)
        texts = [str(c.params.get("text")) for c in api.calls_of("sendMessage")]
        assert sum(GREETING in t for t in texts) == 2  # the failed try and the one more
        assert not [t for t in texts if APOLOGY in t]
        assert await bot.stop() == 0
        log = bot.log()
    assert "Bad Gateway" in log and "trying once more" in log


async def test_when_the_reply_fails_twice_the_apology_still_arrives(
    api: FakeBotApi, tmp_path: Path
) -> None:
    for _ in range(3):  # the reply, its one more try, and the apology's first try
        api.fail_next("sendMessage", status=502)
    async with bot_process(tmp_path, bot_env(tmp_path, api.url)) as bot:
        await api.wait_for("getUpdates", timeout=30)
        api.push_message(USER_ID, "/start")
        first = await api.wait_for("sendMessage", to_user(APOLOGY), timeout=20)
        since = api.calls.index(first) + 1
        apology = await api.wait_for("sendMessage", to_user(APOLOGY), since=since)
        assert (first.status, apology.status) == (502, 200)
        sent = [c for c in api.calls_of("sendMessage") if c.params.get("chat_id") == USER_ID]
        assert [c.status for c in sent[:4]] == [502, 502, 502, 200]
        assert GREETING in sent[0].params["text"] and GREETING in sent[1].params["text"]
        assert APOLOGY in sent[2].params["text"]
        assert await bot.stop() == 0


async def test_polling_is_not_retried_by_the_reply_rule(api: FakeBotApi, tmp_path: Path) -> None:
    """getUpdates has aiogram's own backoff; a 5xx there must not double it."""
    api.fail_next("getUpdates", status=502)
    async with bot_process(tmp_path, bot_env(tmp_path, api.url)) as bot:
        await api.wait_for("getUpdates", lambda p: True, since=1, timeout=30)
        api.push_message(USER_ID, "/start")
        await api.wait_for("sendMessage", to_user(GREETING), timeout=20)
        assert await bot.stop() == 0
        log = bot.log()
    assert "trying once more" not in log
