"""SQL behind the FSM storage: one row per conversation key (state and JSON data).

Every method is a single statement (one round trip to the database thread), because the FSM
storage is read and written several times for every update.
"""

from __future__ import annotations

import aiosqlite


class FsmRows:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def get(self, key: str) -> tuple[str | None, str] | None:
        """(state, data as JSON text), or None when nothing is stored for the key."""
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT state, data FROM fsm_state WHERE storage_key = ?", (key,)
            )
        )
        return (rows[0][0], rows[0][1]) if rows else None

    async def put_state(self, key: str, *, user_id: int, chat_id: int, state: str | None) -> None:
        await self._conn.execute(
            "INSERT INTO fsm_state (storage_key, user_id, chat_id, state) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (storage_key) DO UPDATE SET state = excluded.state",
            (key, user_id, chat_id, state),
        )

    async def put_data(self, key: str, *, user_id: int, chat_id: int, data: str) -> None:
        await self._conn.execute(
            "INSERT INTO fsm_state (storage_key, user_id, chat_id, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (storage_key) DO UPDATE SET data = excluded.data",
            (key, user_id, chat_id, data),
        )

    async def delete_if_empty(self, key: str) -> None:
        """A row with neither state nor data carries nothing: keep the table small."""
        await self._conn.execute(
            "DELETE FROM fsm_state WHERE storage_key = ? AND state IS NULL AND data = '{}'",
            (key,),
        )
