"""`Database.reads`: single reads answered on the loop's thread from a read-only connection,
seeing what is committed, never waiting for the lock."""

from __future__ import annotations

import asyncio
from pathlib import Path

from storage.db import SqliteDatabase


async def test_reads_see_committed_rows_without_waiting_for_an_open_unit_of_work(
    tmp_path: Path,
) -> None:
    db = await SqliteDatabase.open(tmp_path / "bot.sqlite3")
    try:
        async with db.autocommit() as repos:
            await repos.users.ensure(1)
        entered, release = asyncio.Event(), asyncio.Event()

        async def long_unit_of_work() -> None:
            async with db.transaction() as tx:
                await tx.users.ensure(2)
                entered.set()
                await release.wait()

        writer = asyncio.create_task(long_unit_of_work())
        await entered.wait()
        # The lock is held: the read still answers at once, from what is committed.
        async with asyncio.timeout(1):
            first = await db.reads.users.get(1)
            second = await db.reads.users.get(2)
        assert first is not None and first.id == 1
        assert second is None  # not committed yet
        release.set()
        await writer
        again = await db.reads.users.get(2)
        assert again is not None and again.id == 2
    finally:
        await db.close()


async def test_an_in_memory_database_reads_through_its_one_connection() -> None:
    db = await SqliteDatabase.open(":memory:")
    try:
        async with db.autocommit() as repos:
            await repos.users.ensure(7)
        row = await db.reads.users.get(7)
        assert row is not None and row.id == 7
    finally:
        await db.close()
