"""The SQLite file: migrations, units of work under concurrency, and the FSM storage."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite
import pytest
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.runtime.offline import ChatSimulator, OfflineSession
from bot.services.database import open_database
from storage.db import Database, SqliteDatabase, load_migrations
from storage.fsm import DatabaseStorage
from tests.support.sql import query


async def schema_of(path: Path) -> list[tuple[str, str]]:
    async with aiosqlite.connect(path) as conn:
        rows = await conn.execute_fetchall(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
        )
    return [(str(name), str(sql)) for name, sql in rows]


async def test_migrations_create_the_schema_and_folder(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "bot.sqlite3"
    db = await SqliteDatabase.open(path)
    try:
        assert await db.schema_version() == len(load_migrations())
        assert await db.migrate() == len(load_migrations())  # a second run changes nothing
    finally:
        await db.close()
    names = {name for name, _ in await schema_of(path)}
    assert {"users", "fsm_state"} <= names


@pytest.mark.parametrize("start", range(len(load_migrations()) + 1))
async def test_upgrade_from_every_older_version_gives_the_same_schema(
    tmp_path: Path, start: int
) -> None:
    fresh = tmp_path / "fresh.sqlite3"
    await (await SqliteDatabase.open(fresh)).close()

    old = tmp_path / f"at-{start}.sqlite3"
    db = await SqliteDatabase.open(old, migrate=False)
    await db.migrate(target=start)
    assert await db.schema_version() == start
    await db.close()
    db = await SqliteDatabase.open(old)  # start-up upgrades the rest
    await db.close()
    assert await schema_of(old) == await schema_of(fresh)


async def test_concurrent_units_of_work_never_share_a_transaction(db: Database) -> None:
    async def work(user_id: int) -> None:
        async with db.transaction() as tx:
            await tx.users.ensure(user_id)
            await asyncio.sleep(0)  # let other tasks run while this transaction is open
            await tx.users.set_locale(user_id, "en" if user_id % 2 else "ru")

    await asyncio.gather(*(work(user_id) for user_id in range(1, 201)))
    async with db.transaction() as tx:
        rows = [await tx.users.get(user_id) for user_id in range(1, 201)]
    assert all(row is not None for row in rows)
    assert [row.locale for row in rows if row] == ["en" if i % 2 else "ru" for i in range(1, 201)]


async def test_failed_unit_of_work_is_rolled_back(db: Database) -> None:
    with pytest.raises(ZeroDivisionError):
        async with db.transaction() as tx:
            await tx.users.ensure(77)
            _ = 1 / 0
    async with db.transaction() as tx:
        assert await tx.users.get(77) is None


async def test_nested_unit_of_work_is_refused_instead_of_deadlocking(db: Database) -> None:
    async with db.transaction():
        with pytest.raises(RuntimeError, match="already open"):
            async with db.transaction():
                pass


async def test_open_fails_clearly_on_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(aiosqlite.DatabaseError):
        await SqliteDatabase.open(path)


class Form(StatesGroup):
    step = State()


KEY = StorageKey(bot_id=42, chat_id=1001, user_id=1001)


async def test_fsm_state_and_data_survive_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "fsm.sqlite3"
    db = await SqliteDatabase.open(path)
    storage = DatabaseStorage(db)
    await storage.set_state(KEY, Form.step)
    await storage.set_data(KEY, {"answers": [1, 2, 3], "name": "Аня"})
    await db.close()

    db = await SqliteDatabase.open(path)
    storage = DatabaseStorage(db)
    assert await storage.get_state(KEY) == "Form:step"
    assert await storage.get_data(KEY) == {"answers": [1, 2, 3], "name": "Аня"}
    await db.close()


async def test_fsm_clearing_data_keeps_state_and_clearing_state_keeps_data(db: Database) -> None:
    storage = DatabaseStorage(db)
    await storage.set_state(KEY, Form.step)
    await storage.set_data(KEY, {"a": 1})
    await storage.set_data(KEY, {})
    assert await storage.get_state(KEY) == "Form:step"
    assert await storage.get_data(KEY) == {}

    await storage.set_data(KEY, {"b": 2})
    await storage.set_state(KEY, None)
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {"b": 2}
    assert await storage.update_data(KEY, {"c": 3}) == {"b": 2, "c": 3}

    other = StorageKey(bot_id=42, chat_id=2002, user_id=2002)
    assert await storage.get_state(other) is None
    assert await storage.get_data(other) == {}


async def test_fsm_row_disappears_when_empty(db: Database) -> None:
    storage = DatabaseStorage(db)
    await storage.set_state(KEY, Form.step)
    await storage.set_state(KEY, None)
    assert await query(db, "SELECT count(*) FROM fsm_state") == [(0,)]


async def test_person_halfway_through_onboarding_continues_after_a_restart(
    settings: Settings,
) -> None:
    session = OfflineSession()
    bot = create_bot(settings, session=session, token="42:TEST-token")
    db = await open_database(settings.database)
    person = ChatSimulator(create_dispatcher(settings, db, throttle=False), bot, session)
    await person.send("/start")
    await person.click("Не сейчас")  # now asked who they are
    await db.close()

    db = await open_database(settings.database)  # the bot comes back
    try:
        person.dispatcher = create_dispatcher(settings, db, throttle=False)
        await person.send("ммм")  # typed instead of choosing: the same question comes back
        assert "Кто вы?" in person.last_text
        await person.click("Учусь в школе")
        assert "Главное меню" in person.last_text
    finally:
        await db.close()
