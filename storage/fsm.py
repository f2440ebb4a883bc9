"""aiogram FSM storage in SQLite: a conversation survives a restart of the bot.

`set_data({})` clears the data and keeps the state; `set_state(None)` clears the state and
keeps the data — the contract of aiogram's own storages. Data is stored as JSON, so it must be
JSON-serialisable, and reads return fresh copies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)

from storage.db import Database

_EMPTY = "{}"


class SqliteStorage(BaseStorage):
    def __init__(self, db: Database, key_builder: KeyBuilder | None = None) -> None:
        self._db = db
        self._keys = key_builder or DefaultKeyBuilder(with_destiny=True)

    async def _read(self, key: StorageKey) -> tuple[str | None, str]:
        async with self._db.autocommit() as repos:
            found = await repos.fsm.get(self._keys.build(key))
        return found or (None, _EMPTY)

    async def _write(self, key: StorageKey, state: str | None, data: str) -> None:
        built = self._keys.build(key)
        # One statement, so no transaction is needed around the read-modify-write: aiogram
        # isolates events of one person, and only that person's events touch this key.
        async with self._db.autocommit() as repos:
            if state is None and data == _EMPTY:
                await repos.fsm.delete(built)  # nothing left to keep: keep the table small
            else:
                await repos.fsm.put(
                    built, user_id=key.user_id, chat_id=key.chat_id, state=state, data=data
                )

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        _, data = await self._read(key)
        await self._write(key, value, data)

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._read(key)
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        state, _ = await self._read(key)
        encoded = json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"))
        await self._write(key, state, encoded)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._read(key)
        decoded: dict[str, Any] = json.loads(data)
        return decoded

    async def close(self) -> None:
        """The database belongs to the application, which closes it itself."""
