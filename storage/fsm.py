"""aiogram FSM storage in SQLite: a conversation survives a restart of the bot.

`set_data({})` clears the data and keeps the state; `set_state(None)` clears the state and
keeps the data — the contract of aiogram's own storages.
"""

from __future__ import annotations

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


class SqliteStorage(BaseStorage):
    def __init__(self, db: Database, key_builder: KeyBuilder | None = None) -> None:
        self._db = db
        self._keys = key_builder or DefaultKeyBuilder(with_destiny=True)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        async with self._db.transaction() as tx:
            await tx.fsm.set_state(self._keys.build(key), key.user_id, key.chat_id, value)

    async def get_state(self, key: StorageKey) -> str | None:
        async with self._db.transaction() as tx:
            state, _ = await tx.fsm.get(self._keys.build(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        async with self._db.transaction() as tx:
            await tx.fsm.set_data(self._keys.build(key), key.user_id, key.chat_id, dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._db.transaction() as tx:
            _, data = await tx.fsm.get(self._keys.build(key))
        return data

    async def close(self) -> None:
        """The database belongs to the application, which closes it itself."""
