"""A start that cannot go on stops with one sentence naming what to fix, never a traceback,
and without calling Telegram."""

from __future__ import annotations

from pathlib import Path

from tests.support.fake_api import FakeBotApi
from tests.support.processes import bot_env, run_bot


async def test_without_token_says_how_to_get_one(api: FakeBotApi, tmp_path: Path) -> None:
    env = bot_env(tmp_path, api.url)
    del env["BOT_TOKEN"]
    finished = await run_bot(tmp_path, env)
    stderr = finished.stderr
    assert finished.code != 0
    assert len(stderr.strip().splitlines()) == 1, stderr
    for part in ("BOT_TOKEN", "@BotFather", "python -m bot chat"):
        assert part in stderr
    assert "Traceback" not in stderr
    assert api.calls == []


async def test_invalid_setting_names_the_variable(api: FakeBotApi, tmp_path: Path) -> None:
    finished = await run_bot(tmp_path, bot_env(tmp_path, api.url, ADMIN_IDS="abc"))
    stderr = finished.stderr
    assert finished.code != 0
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "ADMIN_IDS" in stderr
    assert "Traceback" not in stderr
    assert api.calls == []


async def test_telegram_out_of_reach_at_start_is_one_sentence(tmp_path: Path) -> None:
    # The discard port: nothing listens there.
    finished = await run_bot(tmp_path, bot_env(tmp_path, "http://127.0.0.1:9"))
    message = finished.stderr.strip()
    assert finished.code == 2
    assert message.startswith("Telegram cannot be reached at TELEGRAM_API_URL")
    assert "\n" not in message and "Traceback" not in message
