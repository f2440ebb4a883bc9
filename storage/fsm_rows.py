"""SQL behind the FSM storage: one row per conversation key (state and JSON data).

The storage writes whole rows in batches (`put_rows`, `delete_rows`: one trip to the
database thread each, whatever the number of rows); `get` is a single statement, answered on
the loop's thread through `Database.reads`.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

# (storage key, user id, chat id, state, data as JSON text)
FsmRow = tuple[str, int, int, str | None, str]


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

    async def put_rows(self, rows: Sequence[FsmRow]) -> None:
        """Insert or replace the state and data of each key."""
        await self._conn.executemany(
            "INSERT INTO fsm_state (storage_key, user_id, chat_id, state, data) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (storage_key) DO UPDATE SET "
            "state = excluded.state, data = excluded.data",
            rows,
        )

    async def delete_rows(self, keys: Sequence[str]) -> None:
        """A conversation with neither state nor data carries nothing: keep the table small."""
        await self._conn.executemany(
            "DELETE FROM fsm_state WHERE storage_key = ?", [(key,) for key in keys]
        )
