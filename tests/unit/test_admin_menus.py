"""The admin command menu: given to admins, taken back from removed ones, remembered in the
database — also for admins known from before the table existed."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.methods import DeleteMyCommands, SetMyCommands
from aiogram.types import BotCommandScopeChat

from bot.runtime.commands import AdminMenus
from bot.runtime.i18n import create_i18n
from bot.runtime.offline import OfflineSession
from storage.db import Database, SqliteDatabase
from tests.conftest import TEST_TOKEN
from tests.support.sql import raw_connection

MENUS_MIGRATION = 8


async def menus(db: Database) -> set[int]:
    async with db.autocommit() as repos:
        return await repos.admin_menus.chats()


def scopes(session: OfflineSession, method: type) -> list[int]:
    found = []
    for request in session.requests:
        scope = getattr(request.method, "scope", None)
        if isinstance(request.method, method) and isinstance(scope, BotCommandScopeChat):
            assert isinstance(scope.chat_id, int)
            found.append(scope.chat_id)
    return found


async def test_admins_known_from_earlier_actions_are_remembered_by_the_migration(
    tmp_path: Path,
) -> None:
    db = await SqliteDatabase.open(tmp_path / "bot.sqlite3", migrate=False)
    try:
        await db.migrate(target=MENUS_MIGRATION - 1)
        async with db.transaction() as tx:
            await tx.audit.record(555, "stats")
            await tx.audit.record(555, "export")
            await raw_connection(tx).execute(
                "INSERT INTO broadcasts (admin_id, source_chat_id, source_message_id, audience, "
                "status) VALUES (556, 556, 1, '{\"kind\": \"all\"}', 'done')"
            )
        await db.migrate()
        assert await menus(db) == {555, 556}
    finally:
        await db.close()


async def test_the_menu_is_given_to_admins_and_taken_back_from_the_others(db: Database) -> None:
    async with db.autocommit() as repos:
        for chat_id in (1, 2, 3):
            await repos.admin_menus.remember(chat_id)
    session = OfflineSession()
    # Chat 2 never existed for Telegram; chat 3 meets a Telegram hiccup and is tried next time.
    session.queue_response(DeleteMyCommands, status=400, ok=False,
                           description="Bad Request: chat not found")  # fmt: skip
    session.queue_response(DeleteMyCommands, status=500, ok=False,
                           description="Internal Server Error")  # fmt: skip
    menus_keeper = AdminMenus(db, create_i18n("ru"), "ru", frozenset({1, 4}))
    await menus_keeper.setup(Bot(TEST_TOKEN, session=session))

    assert scopes(session, SetMyCommands) == [1, 4]
    assert scopes(session, DeleteMyCommands) == [2, 3]
    assert await menus(db) == {1, 3, 4}
    assert menus_keeper.missing == set()


async def test_a_refused_admin_is_logged_once_and_given_the_menu_later(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    session = OfflineSession()
    session.queue_response(SetMyCommands, status=400, ok=False,
                           description="Bad Request: chat not found")  # fmt: skip
    menus_keeper = AdminMenus(db, create_i18n("ru"), "ru", frozenset({7}))
    bot = Bot(TEST_TOKEN, session=session)
    await menus_keeper.setup(bot)
    assert menus_keeper.missing == {7} and await menus(db) == set()
    (line,) = [r.getMessage() for r in caplog.records if "7" in r.getMessage()]
    assert "chat not found" in line and not caplog.records[0].exc_info

    assert await menus_keeper.give(bot, 7)
    assert menus_keeper.missing == set() and await menus(db) == {7}
