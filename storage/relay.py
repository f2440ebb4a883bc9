"""The consultant relay: which person each message the bot put into a staff chat is about (a
question, an application, a note), so a consultant's reply to it goes back to that person.

After /forget a person's links are replaced by tombstones that hold no person, only where the
message was: a reply to it can then be answered with why it cannot be delivered.
"""

from __future__ import annotations

import aiosqlite


class RelayRepo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def remember(
        self, chat_id: int, message_id: int, user_id: int, lead_id: int | None = None
    ) -> None:
        await self._conn.execute(
            "INSERT INTO consultant_messages (chat_id, message_id, user_id, lead_id) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO UPDATE SET "
            "user_id = excluded.user_id, lead_id = excluded.lead_id, "
            "created_at = excluded.created_at",
            (chat_id, message_id, user_id, lead_id),
        )

    async def target(self, chat_id: int, message_id: int) -> int | None:
        """The person this staff-chat message is about, if the bot put it there."""
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT user_id FROM consultant_messages WHERE chat_id = ? AND message_id = ?",
                (chat_id, message_id),
            )
        )
        return int(rows[0][0]) if rows else None

    async def of_user(self, user_id: int) -> list[tuple[int, int]]:
        """(chat id, message id) of every staff-chat message about the person."""
        rows = await self._conn.execute_fetchall(
            "SELECT chat_id, message_id FROM consultant_messages WHERE user_id = ? "
            "ORDER BY chat_id, message_id",
            (user_id,),
        )
        return [(int(chat_id), int(message_id)) for chat_id, message_id in rows]

    async def of_lead(self, lead_id: int) -> list[tuple[int, int]]:
        """(chat id, message id) of the staff-chat messages about one application, newest
        last in each chat."""
        rows = await self._conn.execute_fetchall(
            "SELECT chat_id, message_id FROM consultant_messages WHERE lead_id = ? "
            "ORDER BY chat_id, message_id",
            (lead_id,),
        )
        return [(int(chat_id), int(message_id)) for chat_id, message_id in rows]

    async def tombstone(self, chat_id: int, message_id: int) -> None:
        await self._conn.execute(
            "INSERT OR IGNORE INTO forgotten_messages (chat_id, message_id) VALUES (?, ?)",
            (chat_id, message_id),
        )

    async def was_forgotten(self, chat_id: int, message_id: int) -> bool:
        """Whether the message was about a person who has since deleted their data."""
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT 1 FROM forgotten_messages WHERE chat_id = ? AND message_id = ?",
                (chat_id, message_id),
            )
        )
        return bool(rows)
