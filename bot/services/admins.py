"""Which chats hold the admin command menu, so that it is taken back from removed admins."""

from __future__ import annotations

from storage.db import Database


async def menu_given(db: Database, chat_id: int) -> None:
    async with db.autocommit() as repos:
        await repos.admin_menus.remember(chat_id)


async def menu_taken_back(db: Database, chat_id: int) -> None:
    async with db.autocommit() as repos:
        await repos.admin_menus.forget(chat_id)


async def menus_of_removed_admins(db: Database, admin_ids: frozenset[int]) -> list[int]:
    """Chats that were given the admin menu and are not admins' any more."""
    async with db.autocommit() as repos:
        return sorted(await repos.admin_menus.chats() - admin_ids)


async def centre_admin_ids(db: Database) -> list[int]:
    async with db.autocommit() as repos:
        return [admin.user_id for admin in await repos.centres.admins()]
