"""aiogram FSM storage in SQLite: a conversation survives a restart of the bot.

`set_data({})` clears the data and keeps the state; `set_state(None)` clears the state and
keeps the data — the contract of aiogram's own storages. Data is stored as JSON, so it must be
JSON-serialisable, and reads return fresh copies.

Every update reads the state and usually the data, so rows are kept in a bounded in-memory
cache, written through to SQLite. That is sound because only this storage writes them and one
process owns the file; several processes share state through Redis instead. Code that deletes
rows behind the storage's back (forgetting a person) clears the conversation through the
storage as well, which keeps the cache right.
"""

from __future__ import annotations

import json
from collections import OrderedDict
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
    def __init__(
        self, db: Database, key_builder: KeyBuilder | None = None, cache_size: int = 50_000
    ) -> None:
        self._db = db
        self._keys = key_builder or DefaultKeyBuilder(with_destiny=True)
        self._cache: OrderedDict[str, tuple[str | None, str]] = OrderedDict()
        self._cache_size = cache_size

    def _remember(self, built: str, row: tuple[str | None, str]) -> None:
        self._cache[built] = row
        self._cache.move_to_end(built)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def _read(self, key: StorageKey) -> tuple[str | None, str]:
        built = self._keys.build(key)
        cached = self._cache.get(built)
        if cached is not None:
            return cached
        found = await self._db.reads.fsm.get(built)
        row = found or (None, _EMPTY)
        self._remember(built, row)
        return row

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        built = self._keys.build(key)
        _, data = await self._read(key)
        async with self._db.autocommit() as repos:
            await repos.fsm.put_state(built, user_id=key.user_id, chat_id=key.chat_id, state=value)
            if value is None:
                await repos.fsm.delete_if_empty(built)
        self._remember(built, (value, data))

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._read(key)
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        encoded = json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"))
        built = self._keys.build(key)
        state, _ = await self._read(key)
        async with self._db.autocommit() as repos:
            await repos.fsm.put_data(built, user_id=key.user_id, chat_id=key.chat_id, data=encoded)
            if encoded == _EMPTY:
                await repos.fsm.delete_if_empty(built)
        self._remember(built, (state, encoded))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._read(key)
        decoded: dict[str, Any] = json.loads(data)
        return decoded

    async def close(self) -> None:
        """The database belongs to the application, which closes it itself."""
