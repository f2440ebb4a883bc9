"""The real `python -m bot` process against a fake Bot API over HTTP.

The other tests feed updates straight into the dispatcher; these check what only the whole
process does: reading settings, start-up calls, long polling, aiogram's wire format, signal
handling and the exit code, and what a person sees when Telegram answers with an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fake_api import FakeBotApi, Params

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123:ABC"
USER_ID = 5001
COMMANDS = {"start", "menu", "help", "language", "privacy", "forget"}


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


def bot_env(tmp_path: Path, api_url: str, **settings: str) -> dict[str, str]:
    """A clean environment: no BOT_TOKEN or other setting leaks in from the developer's."""
    env = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    env.update(
        # The project is installed editable; this keeps the tests working where it is not.
        PYTHONPATH=str(PROJECT_ROOT),
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api_url,
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
        LOG_LEVEL="INFO",
    )
    env.update(settings)
    return env


@dataclass
class BotProcess:
    proc: asyncio.subprocess.Process
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    async def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, as systemd or Docker would send, then the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), timeout)


@contextlib.asynccontextmanager
async def bot_process(
    tmp_path: Path, env: dict[str, str], *args: str
) -> AsyncIterator[BotProcess]:
    """`python -m bot [args]` run from `tmp_path`, so no `.env` of the repository is read. The
    process is killed whatever happens; its log is printed for a failing test's report."""
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *args,
            cwd=tmp_path,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
        running = BotProcess(proc, log_path)
        try:
            yield running
        finally:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
            await proc.wait()
            print(f"--- bot log (exit code {proc.returncode}) ---\n{running.log()}")


async def run_to_exit(tmp_path: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run `python -m bot` that is expected to stop by itself; return its code and stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(proc.communicate(), 15)
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, stderr.decode("utf-8", errors="replace")


def buttons(params: Params) -> list[dict[str, Any]]:
    markup = params.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def to_user(text: str) -> Callable[[Params], bool]:
    """A predicate: a message to the test person whose text contains `text`."""

    def matches(params: Params) -> bool:
        return params.get("chat_id") == USER_ID and text in str(params.get("text"))

    return matches


def in_language(code: str) -> Callable[[Params], bool]:
    return lambda params: params.get("language_code") == code


async def wait_until_polling(api: FakeBotApi) -> None:
    await api.wait_for("getUpdates", timeout=15)


async def test_start_journey_over_http(api: FakeBotApi, tmp_path: Path) -> None:
    async with bot_process(tmp_path, bot_env(tmp_path, api.url)) as bot:
        await api.wait_for("deleteWebhook", timeout=15)
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


async def test_without_token_says_how_to_get_one(api: FakeBotApi, tmp_path: Path) -> None:
    env = bot_env(tmp_path, api.url)
    del env["BOT_TOKEN"]
    code, stderr = await run_to_exit(tmp_path, env)
    assert code != 0
    assert len(stderr.strip().splitlines()) == 1, stderr
    for part in ("BOT_TOKEN", "@BotFather", "python -m bot chat"):
        assert part in stderr
    assert "Traceback" not in stderr
    assert api.calls == []


async def test_invalid_setting_names_the_variable(api: FakeBotApi, tmp_path: Path) -> None:
    code, stderr = await run_to_exit(tmp_path, bot_env(tmp_path, api.url, ADMIN_IDS="abc"))
    assert code != 0
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "ADMIN_IDS" in stderr
    assert "Traceback" not in stderr
    assert api.calls == []


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
