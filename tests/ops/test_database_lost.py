"""Fault record: a database deleted under the running bot went unnoticed (issue 11, item 7).

With its file deleted, the bot kept answering from the unlinked inode, `/healthz` said ok, and
after a restart every person and application was gone. Now the file's device and inode are
checked every HEALTH_INTERVAL seconds and on every `/healthz`: once the file is deleted or
replaced, the bot saves what it holds next to the path, writes one log line, stops taking
updates (polling stops; the webhook answers 503, so Telegram keeps them), `/healthz` answers
503, HEALTH_FILE is removed, and a stop exits with code 3. Real processes, real files.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.runtime.health import EXIT_DATABASE_LOST
from tests.ops.test_webhook import SECRET, SECRET_HEADER, start_update, webhook_env
from tests.support.fake_api import FakeBotApi
from tests.support.http_chat import USER_ID, to_user
from tests.support.processes import bot_env, bot_process, free_port, run_bot

LOST = "while the bot was running: it stopped taking updates"
INTERVAL = "0.2"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


async def health(port: int) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/healthz") as response,
    ):
        return response.status, await response.json()


async def until(condition: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        await asyncio.sleep(0.05)


def users_in(path: Path) -> list[int]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM users ORDER BY id")]


def saved_copies(folder: Path) -> list[Path]:
    return sorted(folder.glob("bot.sqlite3.saved-*"))


async def test_a_deleted_database_stops_polling_and_health_says_why(
    api: FakeBotApi, tmp_path: Path
) -> None:
    port, beacon, database = free_port(), tmp_path / "healthy", tmp_path / "bot.sqlite3"
    env = bot_env(
        tmp_path,
        api.url,
        HEALTH_PORT=str(port),
        HEALTH_FILE=str(beacon),
        HEALTH_INTERVAL=INTERVAL,
    )
    async with bot_process(tmp_path, env) as bot:
        await api.wait_for("getUpdates", timeout=30)
        api.push_message(USER_ID, "/start")
        await api.wait_for("sendMessage", to_user("Здравствуйте"))
        status, body = await health(port)
        assert (status, body["status"], body["database"]) == (200, "ok", "ok")
        await until(beacon.exists)
        touched = beacon.stat().st_mtime
        await until(lambda: beacon.exists() and beacon.stat().st_mtime > touched)

        os.remove(database)  # as a careless clean-up or a lost volume would
        await until(lambda: LOST in bot.log())
        status, body = await health(port)
        assert status == 503
        assert body["status"] == "error"
        assert "bot.sqlite3 was deleted while the bot was running" in body["database"]
        assert not beacon.exists()

        # Updates are no longer taken: they wait at Telegram.
        await until(lambda: "Polling stopped" in bot.log())
        pushed = api.push_message(USER_ID + 1, "/start")
        await asyncio.sleep(1.5)
        assert api.confirmed_update_id < pushed["update_id"]
        assert not [c for c in api.calls_of("sendMessage") if c.params["chat_id"] == USER_ID + 1]
        assert (await health(port))[0] == 503  # still up, still saying so

        assert await bot.stop() == EXIT_DATABASE_LOST
        log = bot.log()

    lines = [line for line in log.splitlines() if LOST in line]
    assert len(lines) == 1 and " CRITICAL " in lines[0]
    (copy,) = saved_copies(tmp_path)
    assert str(copy) in lines[0]
    assert users_in(copy) == [USER_ID]  # what the bot held, kept
    # Its journal is gone from beside the path: a copy moved back reads as it was saved.
    assert not (tmp_path / "bot.sqlite3-wal").exists()
    assert not (tmp_path / "bot.sqlite3-shm").exists()
    assert "Traceback" not in log


async def test_a_replaced_database_is_noticed_on_the_next_health_probe(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """A slow interval: the probe itself finds the other file."""
    port, database = free_port(), tmp_path / "bot.sqlite3"
    env = bot_env(tmp_path, api.url, HEALTH_PORT=str(port), HEALTH_INTERVAL="300")
    async with bot_process(tmp_path, env) as bot:
        await api.wait_for("getUpdates", timeout=30)
        api.push_message(USER_ID, "/start")
        await api.wait_for("sendMessage", to_user("Здравствуйте"))
        assert (await health(port))[0] == 200

        other = tmp_path / "restored.sqlite3"
        with contextlib.closing(sqlite3.connect(other)) as conn:
            conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY)")
        os.replace(other, database)  # a backup put back under the running bot
        status, body = await health(port)
        assert status == 503
        assert "was replaced by another file while the bot was running" in body["database"]
        await until(lambda: "Polling stopped" in bot.log())
        assert await bot.stop() == EXIT_DATABASE_LOST
        log = bot.log()

    assert len([line for line in log.splitlines() if LOST in line]) == 1
    (copy,) = saved_copies(tmp_path)
    assert users_in(copy) == [USER_ID]
    # The file put there is left as it was: the bot's journal did not mix into it.
    assert users_in(database) == []


async def test_a_webhook_with_a_deleted_database_answers_503_so_telegram_retries(
    api: FakeBotApi, tmp_path: Path
) -> None:
    port, database = free_port(), tmp_path / "bot.sqlite3"
    beacon = tmp_path / "healthy"
    env = webhook_env(tmp_path, api.url, port, HEALTH_FILE=str(beacon), HEALTH_INTERVAL=INTERVAL)
    base = f"http://127.0.0.1:{port}"
    headers = {SECRET_HEADER: SECRET}
    async with (
        bot_process(tmp_path, env, "webhook") as bot,
        aiohttp.ClientSession() as http,
    ):
        await api.wait_for("setWebhook", timeout=30)
        async with http.post(
            base + "/tg/updates", json=start_update(1, USER_ID), headers=headers
        ) as r:
            assert r.status == 200
        await api.wait_for("sendMessage", to_user("Здравствуйте"))
        await until(beacon.exists)

        os.remove(database)
        await until(lambda: LOST in bot.log())
        update = start_update(2, USER_ID + 1)
        async with http.post(base + "/tg/updates", json=update, headers=headers) as r:
            assert r.status == 503
        async with http.get(base + "/healthz") as r:
            assert r.status == 503
            assert "was deleted" in (await r.json())["database"]
        assert not beacon.exists()
        await asyncio.sleep(0.5)
        assert not [c for c in api.calls_of("sendMessage") if c.params["chat_id"] == USER_ID + 1]
        assert await bot.stop() == EXIT_DATABASE_LOST
        log = bot.log()

    assert len([line for line in log.splitlines() if LOST in line]) == 1
    assert users_in(saved_copies(tmp_path)[0]) == [USER_ID]
    assert "Traceback" not in log


async def test_health_settings_that_cannot_be_used_stop_start_up_with_one_sentence(
    api: FakeBotApi, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        finished = await run_bot(tmp_path, bot_env(tmp_path, api.url, HEALTH_PORT=str(port)))
    code, stderr = finished.code, finished.stderr
    assert code == 2
    assert stderr.strip().startswith(f"HEALTH_HOST and HEALTH_PORT (127.0.0.1:{port})")
    assert "Traceback" not in stderr
    finished = await run_bot(tmp_path, bot_env(tmp_path, api.url, HEALTH_INTERVAL="0"))
    code, stderr = finished.code, finished.stderr
    assert code == 2 and stderr.startswith("HEALTH_INTERVAL is invalid")
