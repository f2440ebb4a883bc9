"""The database file watched: deleted or replaced is final, a slow answer is not; what the bot
held is saved, and its journal does not stay beside the path to mix into another file."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from pathlib import Path

import pytest

from bot.runtime.health import HealthMonitor
from storage.db import Database, FileState, SqliteDatabase


async def open_with_a_person(path: Path) -> Database:
    db = await SqliteDatabase.open(path)
    async with db.transaction() as tx:
        await tx.users.ensure(7)
    return db


async def test_the_file_state_follows_the_path(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await open_with_a_person(path)
    try:
        assert db.file_state() is FileState.same
        os.remove(path)
        assert db.file_state() is FileState.deleted
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("CREATE TABLE t (x)")
        assert db.file_state() is FileState.replaced
    finally:
        await db.close()
    memory = await SqliteDatabase.open(":memory:")
    assert memory.file_state() is FileState.same
    await memory.close()


async def test_a_deleted_file_is_final_saved_and_its_journal_removed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, beacon = tmp_path / "bot.sqlite3", tmp_path / "healthy"
    db = await open_with_a_person(path)
    monitor = HealthMonitor(db, interval=0.05, health_file=beacon)
    monitor.start()
    try:
        await asyncio.wait_for(_until(beacon.exists), 5)
        assert await monitor.check() is None
        os.remove(path)
        async with db.transaction() as tx:  # written after the loss, still saved
            await tx.users.ensure(8)
        with caplog.at_level(logging.CRITICAL):
            await asyncio.wait_for(monitor.lost.wait(), 5)
        assert monitor.reason is not None and "was deleted" in monitor.reason
        assert await monitor.check() == monitor.reason  # final
        assert not beacon.exists()
        assert not path.with_name("bot.sqlite3-wal").exists()
        assert not path.with_name("bot.sqlite3-shm").exists()
        async with db.autocommit() as repos:  # the connection itself goes on working
            await repos.ping()
    finally:
        await monitor.stop()
        await db.close()
    (copy,) = tmp_path.glob("bot.sqlite3.saved-*")
    with contextlib.closing(sqlite3.connect(copy)) as conn:
        assert [row[0] for row in conn.execute("SELECT id FROM users ORDER BY id")] == [7, 8]
    critical = [r.getMessage() for r in caplog.records if r.levelno == logging.CRITICAL]
    assert len(critical) == 1 and str(copy) in critical[0]


async def test_a_slow_or_failing_answer_is_not_final(tmp_path: Path) -> None:
    db = await open_with_a_person(tmp_path / "bot.sqlite3")
    monitor = HealthMonitor(db, timeout=0.05)
    held, release = asyncio.Event(), asyncio.Event()

    async def long_unit_of_work() -> None:
        async with db.transaction():  # holds the lock the probe needs
            held.set()
            await release.wait()

    try:
        holder = asyncio.create_task(long_unit_of_work())
        await held.wait()
        assert await monitor.check() == "no answer within 0.05 s"
        release.set()
        await holder
        assert await monitor.check() is None
        assert monitor.reason is None and not monitor.lost.is_set()
    finally:
        await db.close()
    assert await monitor.check()  # a closed connection is a problem to report, not a crash


async def test_stopping_removes_the_health_file(tmp_path: Path) -> None:
    db = await open_with_a_person(tmp_path / "bot.sqlite3")
    beacon = tmp_path / "healthy"
    monitor = HealthMonitor(db, interval=0.05, health_file=beacon)
    monitor.start()
    await asyncio.wait_for(_until(beacon.exists), 5)
    await monitor.stop()
    assert not beacon.exists()
    await db.close()


async def _until(condition: object) -> None:
    assert callable(condition)
    while not condition():
        await asyncio.sleep(0.02)
