"""SQL behind the FSM storage: one row per conversation key (state and JSON data)."""

from __future__ import annotations

import json
from typing import Any

import aiosqlite


class FsmRows:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def get(self, key: str) -> tuple[str | None, dict[str, Any]]:
        async with self._conn.execute(
            "SELECT state, data FROM fsm_state WHERE storage_key = ?", (key,)
        ) as cursor:
            found = await cursor.fetchone()
        if found is None:
            return None, {}
        state, data = found
        return state, json.loads(data)

    async def set_state(self, key: str, user_id: int, chat_id: int, state: str | None) -> None:
        await self._conn.execute(
            "INSERT INTO fsm_state (storage_key, user_id, chat_id, state) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (storage_key) DO UPDATE SET state = excluded.state",
            (key, user_id, chat_id, state),
        )
        await self._drop_if_empty(key)

    async def set_data(self, key: str, user_id: int, chat_id: int, data: dict[str, Any]) -> None:
        encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        await self._conn.execute(
            "INSERT INTO fsm_state (storage_key, user_id, chat_id, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (storage_key) DO UPDATE SET data = excluded.data",
            (key, user_id, chat_id, encoded),
        )
        await self._drop_if_empty(key)

    async def _drop_if_empty(self, key: str) -> None:
        # A row with neither state nor data carries nothing: keep the table small.
        await self._conn.execute(
            "DELETE FROM fsm_state WHERE storage_key = ? AND state IS NULL AND data = '{}'",
            (key,),
        )
