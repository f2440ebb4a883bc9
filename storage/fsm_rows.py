"""SQL behind the FSM storage: one row per conversation key (state and JSON data)."""

from __future__ import annotations

import aiosqlite


class FsmRows:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def get(self, key: str) -> tuple[str | None, str] | None:
        """(state, data as JSON text), or None when nothing is stored for the key."""
        async with self._conn.execute(
            "SELECT state, data FROM fsm_state WHERE storage_key = ?", (key,)
        ) as cursor:
            found = await cursor.fetchone()
        return (found[0], found[1]) if found else None

    async def put(
        self, key: str, *, user_id: int, chat_id: int, state: str | None, data: str
    ) -> None:
        await self._conn.execute(
            "INSERT INTO fsm_state (storage_key, user_id, chat_id, state, data) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (storage_key) "
            "DO UPDATE SET state = excluded.state, data = excluded.data",
            (key, user_id, chat_id, state, data),
        )

    async def delete(self, key: str) -> None:
        await self._conn.execute("DELETE FROM fsm_state WHERE storage_key = ?", (key,))
