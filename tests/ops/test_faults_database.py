"""A database that cannot be written stops the start with one sentence; one locked for a
moment by another program is waited out."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.runtime.offline import ChatSimulator, callback_answers
from bot.services.database import open_database
from storage.db import Database
from tests.support.fake_api import FakeBotApi
from tests.support.logs import errors_logged
from tests.support.processes import START_SECONDS, bot_env, kill, spawn


@contextlib.contextmanager
def read_only(*paths: Path) -> Iterator[str]:
    """Makes files and folders unwritable; yields how ("none" when it cannot). Root ignores
    permission bits, so for root the immutable attribute does it, which binds root too."""
    if os.geteuid() != 0:
        modes = {path: path.stat().st_mode for path in paths}
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield "chmod"
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    chattr = shutil.which("chattr")
    names = [str(path) for path in paths]
    if chattr is None or subprocess.run([chattr, "+i", *names], check=False).returncode:
        yield "none"
        return
    try:
        yield "chattr +i"
    finally:
        subprocess.run([chattr, "-i", *names], check=True)


def writable(path: Path) -> bool:
    try:
        with path.open("ab"):
            return True
    except OSError:
        return False


async def start_until_it_talks(
    folder: Path, env: dict[str, str], api: FakeBotApi
) -> tuple[int | None, str]:
    """Start `python -m bot`: its exit code if it stops before calling the Bot API (None if
    it got as far as Telegram), and its stderr."""
    proc = await spawn(
        folder, env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stderr is not None
    exited = asyncio.ensure_future(proc.wait())
    talked = asyncio.ensure_future(api.wait_for("deleteWebhook", timeout=START_SECONDS))
    try:
        await asyncio.wait({exited, talked}, return_when=asyncio.FIRST_COMPLETED)
        code = proc.returncode if not api.calls else None
    finally:
        talked.cancel()
        await kill(proc)
        await exited
    return code, (await proc.stderr.read()).decode("utf-8", errors="replace")


async def existing_database(folder: Path) -> Path:
    path = folder / "data" / "bot.sqlite3"
    database = await open_database(path)
    await database.close()
    return path


async def test_a_read_only_database_stops_the_start_with_one_sentence(
    api: FakeBotApi, tmp_path: Path
) -> None:
    path = await existing_database(tmp_path)
    with read_only(path, path.parent) as how:
        if how == "none" or writable(path):
            # Permissions cannot be taken away here; a folder where the file should be is
            # just as unusable.
            shutil.rmtree(path.parent)
            path.mkdir(parents=True)
        env = bot_env(tmp_path, api.url, DATABASE_PATH=str(path))
        code, stderr = await start_until_it_talks(tmp_path, env, api)
    assert code == 2, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "DATABASE_PATH" in stderr and "Traceback" not in stderr
    assert api.calls == []


async def test_a_read_only_file_in_a_writable_folder_stops_the_start_too(
    api: FakeBotApi, tmp_path: Path
) -> None:
    path = await existing_database(tmp_path)
    with read_only(path) as how:
        if how == "none" or writable(path):
            pytest.skip("a file cannot be made read-only for this user here")
        env = bot_env(tmp_path, api.url, DATABASE_PATH=str(path))
        code, stderr = await start_until_it_talks(tmp_path, env, api)
    assert code == 2, stderr
    assert "DATABASE_PATH" in stderr and "Traceback" not in stderr


async def test_a_write_waits_out_a_lock_held_by_another_connection(
    client: ChatSimulator, settings: Settings, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await client.send("/start")
    # Another program (an export, a backup, sqlite3 in a terminal) holds the write lock for a
    # second while the person taps «Даю согласие», which writes.
    holder = sqlite3.connect(settings.database_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    loop = asyncio.get_running_loop()
    release = loop.call_later(1.0, holder.execute, "COMMIT")
    began = loop.time()
    try:
        replies = await client.click("Даю согласие")
    finally:
        waited = loop.time() - began
        release.cancel()
        holder.close()
    assert waited >= 0.9, "the write never met the lock"
    assert len(callback_answers(replies)) == 1
    assert "Кто вы?" in client.last_text
    assert errors_logged(caplog) == []
    async with db.autocommit() as repos:
        row = await repos.users.get(client.user.id)
    assert row is not None and row.has_consent
