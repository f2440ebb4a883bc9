"""The consultant relay: which person a question copied into a staff chat came from, so a
consultant's reply there goes back to that person."""

from __future__ import annotations

import aiosqlite


class RelayRepo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def remember(self, chat_id: int, message_id: int, user_id: int) -> None:
        await self._conn.execute(
            "INSERT OR REPLACE INTO consultant_messages (chat_id, message_id, user_id) "
            "VALUES (?, ?, ?)",
            (chat_id, message_id, user_id),
        )

    async def target(self, chat_id: int, message_id: int) -> int | None:
        """The person whose question this staff-chat message is, if the bot copied it."""
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT user_id FROM consultant_messages WHERE chat_id = ? AND message_id = ?",
                (chat_id, message_id),
            )
        )
        return int(rows[0][0]) if rows else None
