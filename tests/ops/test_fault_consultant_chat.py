"""Fault record: CONSULTANT_CHAT_ID set to a person's own id used to swallow everything that
person wrote to the bot. Now the real `python -m bot` process refuses to start with one
sentence naming the variable (exit code 2, as for the other settings): at once for an admin's
id, and after opening the database for the id of a person who uses the bot.

Closing note: both refusals exit with code 2 and one line on stderr, no traceback; an admin's
id is refused before any call to Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.services.database import open_database
from tests.support.fake_api import FakeBotApi
from tests.support.processes import bot_env

PERSON = 5001


async def run_to_exit(folder: Path, env: dict[str, str]) -> tuple[int, str]:
    """`python -m bot` that should stop by itself: its exit code and stderr (a loaded machine
    may take a while just to import aiogram)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=folder,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, stderr.decode("utf-8", errors="replace")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


async def test_an_admins_id_as_the_consultant_chat_stops_the_start(
    api: FakeBotApi, tmp_path: Path
) -> None:
    env = bot_env(tmp_path, api.url, ADMIN_IDS=f"{PERSON},9001", CONSULTANT_CHAT_ID=str(PERSON))
    code, stderr = await run_to_exit(tmp_path, env)
    assert code == 2, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert stderr.startswith(f"CONSULTANT_CHAT_ID is invalid (got '{PERSON}')")
    assert "Traceback" not in stderr and api.calls == []


async def test_a_known_persons_id_as_the_consultant_chat_stops_the_start(
    api: FakeBotApi, tmp_path: Path
) -> None:
    database = tmp_path / "bot.sqlite3"
    db = await open_database(database)
    async with db.autocommit() as repos:
        await repos.users.ensure(PERSON)
    await db.close()
    env = bot_env(tmp_path, api.url, CONSULTANT_CHAT_ID=str(PERSON))
    code, stderr = await run_to_exit(tmp_path, env)
    assert code == 2, stderr
    lines = [line for line in stderr.strip().splitlines() if "INFO" not in line]
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"CONSULTANT_CHAT_ID is invalid (got {PERSON})")
    assert "Traceback" not in stderr
    assert not api.calls_of("getUpdates")  # it never started taking updates
