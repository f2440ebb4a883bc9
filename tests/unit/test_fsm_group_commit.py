"""The SQLite FSM storage commits concurrent writes in groups, and a write returns only once
it is committed."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey

from storage.db import Database
from storage.fsm import DatabaseStorage
from storage.fsm_rows import FsmRows
from tests.support.sql import query

BOT_ID = 42


def key(user_id: int) -> StorageKey:
    return StorageKey(bot_id=BOT_ID, chat_id=user_id, user_id=user_id)


async def stored(db: Database) -> dict[int, str]:
    return {int(u): str(d) for u, d in await query(db, "SELECT user_id, data FROM fsm_state")}


async def test_concurrent_writes_share_commits_and_all_land(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches: list[int] = []
    put_rows = FsmRows.put_rows

    async def counting(self: FsmRows, rows: Any) -> None:
        batches.append(len(rows))
        await put_rows(self, rows)

    monkeypatch.setattr(FsmRows, "put_rows", counting)
    storage = DatabaseStorage(db)
    people = range(1, 201)

    checks = asyncio.Semaphore(10)  # connections of the test's own at a time

    async def answer(user_id: int) -> None:
        await storage.set_data(key(user_id), {"answer": user_id})
        # Returned: on disk, as another connection sees it.
        async with checks:
            assert str(user_id) in (await stored(db))[user_id]

    await asyncio.gather(*(answer(user_id) for user_id in people))
    assert sum(batches) == len(people)
    assert len(batches) <= 3, batches  # the first alone, the rest gathered while it was written
    fresh = DatabaseStorage(db)
    for user_id in people:
        assert await fresh.get_data(key(user_id)) == {"answer": user_id}


async def test_later_write_of_a_key_in_one_batch_wins(db: Database) -> None:
    storage = DatabaseStorage(db)
    await asyncio.gather(
        storage.set_data(key(1), {"n": 0}),  # written alone
        storage.set_data(key(2), {"n": 1}),
        storage.set_state(key(2), "Quiz:answering"),
        storage.set_data(key(2), {"n": 2}),
    )
    fresh = DatabaseStorage(db)
    assert await fresh.get_data(key(2)) == {"n": 2}
    assert await fresh.get_state(key(2)) == "Quiz:answering"


async def test_an_emptied_conversation_leaves_no_row(db: Database) -> None:
    storage = DatabaseStorage(db)
    await storage.set_state(key(5), "Quiz:answering")
    await storage.set_data(key(5), {"n": 1})
    await asyncio.gather(storage.set_state(key(5), None), storage.set_data(key(5), {}))
    assert 5 not in await stored(db)
    assert await DatabaseStorage(db).get_state(key(5)) is None


async def test_a_failed_commit_fails_its_writers(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing(self: FsmRows, rows: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(FsmRows, "put_rows", failing)
    storage = DatabaseStorage(db)
    results = await asyncio.gather(
        *(storage.set_data(key(n), {"n": n}) for n in range(1, 4)), return_exceptions=True
    )
    assert all(isinstance(r, sqlite3.OperationalError) for r in results), results
    monkeypatch.undo()
    await storage.set_data(key(9), {"n": 9})  # the storage goes on after the failure
    assert 9 in await stored(db)
