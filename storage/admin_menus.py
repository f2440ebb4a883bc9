"""Chats that were given the admin command menu, so it can be taken back from removed admins."""

from __future__ import annotations

import aiosqlite


class AdminMenusRepo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def remember(self, chat_id: int) -> None:
        await self._conn.execute(
            "INSERT INTO admin_menus (chat_id) VALUES (?) ON CONFLICT (chat_id) DO UPDATE "
            "SET set_at = excluded.set_at",
            (chat_id,),
        )

    async def forget(self, chat_id: int) -> None:
        await self._conn.execute("DELETE FROM admin_menus WHERE chat_id = ?", (chat_id,))

    async def chats(self) -> set[int]:
        rows = await self._conn.execute_fetchall("SELECT chat_id FROM admin_menus")
        return {int(row[0]) for row in rows}
