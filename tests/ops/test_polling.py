"""The real `python -m bot` process against a fake Bot API over HTTP.

The journeys feed updates straight into the dispatcher; these check what only the whole
process does: start-up calls, long polling, aiogram's wire format, signal handling and the
exit code, and what a person sees when Telegram answers with an error.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from tests.support.fake_api import FakeBotApi
from tests.support.http_chat import USER_ID, buttons, in_language, to_user
from tests.support.processes import START_SECONDS, bot_env, bot_process

COMMANDS = {"start", "menu", "help", "language", "privacy", "forget"}


async def wait_until_polling(api: FakeBotApi) -> None:
    await api.wait_for("getUpdates", timeout=START_SECONDS)


async def test_start_journey_over_http(api: FakeBotApi, tmp_path: Path) -> None:
    async with bot_process(tmp_path, bot_env(tmp_path, api.url)) as bot:
        await api.wait_for("deleteWebhook", timeout=START_SECONDS)
        for locale in ("ru", "en"):
            commands = await api.wait_for("setMyCommands", in_language(locale))
            assert {c["command"] for c in commands.params["commands"]} >= COMMANDS
        await wait_until_polling(api)

        api.push_message(USER_ID, "/start", first_name="<b>&amp;", language_code="ru")
        greeting = await api.wait_for("sendMessage", to_user("Здравствуйте"))
        assert "&lt;b&gt;&amp;amp;" in greeting.params["text"]
        assert greeting.params.get("parse_mode") == "HTML"
        consent = await api.wait_for(
            "sendMessage",
            lambda p: (
                p.get("chat_id") == USER_ID
                and any(b["text"] == "✅ Даю согласие" for b in buttons(p))
            ),
            since=api.calls.index(greeting),
        )
        agree = next(b for b in buttons(consent.params) if b["text"] == "✅ Даю согласие")

        tap = api.push_callback(USER_ID, agree["callback_data"], consent.result["message_id"])
        tap_id = tap["callback_query"]["id"]
        await api.wait_for("answerCallbackQuery", lambda p: p.get("callback_query_id") == tap_id)
        role = await api.wait_for("sendMessage", to_user("Кто вы?"))
        assert len(buttons(role.params)) == 3

        assert await bot.stop() == 0
        assert "Traceback" not in bot.log()

    database = tmp_path / "bot.sqlite3"
    assert database.is_file()
    with contextlib.closing(sqlite3.connect(database)) as conn:
        row = conn.execute(
            "SELECT consent_given_at FROM users WHERE id = ?", (USER_ID,)
        ).fetchone()
    assert row is not None and row[0] is not None


async def test_rate_limited_greeting_is_sent_again_after_the_pause(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """aiogram itself gives up on a 429; the person must still get the greeting."""
    api.fail_next("sendMessage", status=429, retry_after=1)
    async with bot_process(tmp_path, bot_env(tmp_path, api.url)) as bot:
        await wait_until_polling(api)
        api.push_message(USER_ID, "/start", language_code="ru")
        refused = await api.wait_for("sendMessage", lambda p: p.get("chat_id") == USER_ID)
        assert refused.status == 429
        assert "Здравствуйте" in refused.params["text"]

        since = api.calls.index(refused) + 1
        greeting = await api.wait_for("sendMessage", to_user("Здравствуйте"), since=since)
        assert greeting.status == 200
        assert greeting.at - refused.at >= 0.9, "sent again before retry_after ran out"
        await api.wait_for("sendMessage", to_user("согласие"), since=since)
        assert not [c for c in api.calls_of("sendMessage") if "пошло не так" in c.params["text"]]
        assert await bot.stop() == 0


async def test_sigterm_lets_a_reply_in_flight_finish(api: FakeBotApi, tmp_path: Path) -> None:
    """A restart (deploy) must not cut a person off mid-answer: shutdown drains updates."""
    async with bot_process(tmp_path, bot_env(tmp_path, api.url)) as bot:
        await wait_until_polling(api)
        api.latency = 1.0
        api.push_message(USER_ID, "/start", language_code="ru")
        await api.wait_for("sendMessage", to_user("Здравствуйте"))
        assert await bot.stop() == 0
        # The consent question is sent only after the slow greeting has been answered.
        consent = await api.wait_for("sendMessage", to_user("согласие"), timeout=0)
        assert consent.status == 200
