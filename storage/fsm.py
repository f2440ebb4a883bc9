"""aiogram FSM storage in the database: a conversation survives a restart of the bot.

`set_data({})` clears the data and keeps the state; `set_state(None)` clears the state and
keeps the data — the contract of aiogram's own storages. Data is stored as JSON, so it must be
JSON-serialisable, and reads return fresh copies.

Every update reads the state and usually the data, so on SQLite rows are kept in a bounded
in-memory cache, written through to the file. That is sound because only this storage writes
them and one process owns the file. A PostgreSQL database may be shared by several processes,
so there every read goes to the database (several processes had better share conversation
state through Redis, which is faster still). Code that deletes
rows behind the storage's back (forgetting a person) clears the conversation through the
storage as well, which keeps the cache right.

Writes are committed in groups: a write joins the batch that goes to the database next, and
returns once that batch is committed, so an update never goes on (to redraw a question, say)
with its state not yet on disk, and a SIGKILL loses only the writes of updates still in
flight. One batch is written while the next gathers: alone, a write goes at once as a single
statement; under load, hundreds of answers share one transaction and one trip to the
database thread instead of a trip each.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
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
from storage.fsm_rows import FsmRow
from storage.sql import Dialect

_EMPTY = "{}"


class _Keep:
    """The half of a row a write leaves as it is."""


_KEEP = _Keep()


class DatabaseStorage(BaseStorage):
    def __init__(
        self, db: Database, key_builder: KeyBuilder | None = None, cache_size: int = 50_000
    ) -> None:
        self._db = db
        self._keys = key_builder or DefaultKeyBuilder(with_destiny=True)
        self._cache: OrderedDict[str, tuple[str | None, str]] = OrderedDict()
        self._cache_size = cache_size if db.dialect is Dialect.sqlite else 0
        # The batch gathering: the newest row of each key, and the future its writers await.
        self._pending: dict[str, FsmRow] = {}
        self._committing: dict[str, FsmRow] = {}  # the batch being written now
        self._gathering: asyncio.Future[None] | None = None
        # A write reads the row, then queues it with one half changed: per key, one at a
        # time (uncontended, a lock costs a microsecond). Without the cache two writes of one
        # key would otherwise both read the row as it was and the later one undo the other.
        self._key_locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._writer: asyncio.Task[None] | None = None

    def _remember(self, built: str, row: tuple[str | None, str]) -> None:
        if not self._cache_size:
            return
        self._cache[built] = row
        self._cache.move_to_end(built)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def _read(self, key: StorageKey) -> tuple[str | None, str]:
        built = self._keys.build(key)
        cached = self._cache.get(built)
        if cached is not None:
            return cached
        pending = self._pending.get(built) or self._committing.get(built)
        if pending is not None:  # written, not yet committed, and not in the cache
            return pending[3], pending[4]
        found = await self._db.reads.fsm.get(built)
        row = found or (None, _EMPTY)
        self._remember(built, row)
        return row

    @contextlib.asynccontextmanager
    async def _one_writer(self, built: str) -> AsyncIterator[None]:
        lock, users = self._key_locks.get(built) or (asyncio.Lock(), 0)
        self._key_locks[built] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._key_locks[built]
            if users == 1:
                del self._key_locks[built]
            else:
                self._key_locks[built] = (lock, users - 1)

    async def _update(
        self, key: StorageKey, *, state: str | _Keep | None = _KEEP, data: str | _Keep = _KEEP
    ) -> None:
        built = self._keys.build(key)
        async with self._one_writer(built):
            old_state, old_data = await self._read(key)
            row = (
                old_state if isinstance(state, _Keep) else state,
                old_data if isinstance(data, _Keep) else data,
            )
            committed = self._queue(key, built, row)
        # Shielded: a cancelled update does not cancel the commit the others wait for.
        await asyncio.shield(committed)

    def _queue(
        self, key: StorageKey, built: str, row: tuple[str | None, str]
    ) -> asyncio.Future[None]:
        self._remember(built, row)
        self._pending[built] = (built, key.user_id, key.chat_id, *row)
        if self._gathering is None:
            self._gathering = asyncio.get_running_loop().create_future()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_batches())
        return self._gathering

    async def _write_batches(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, {}
            self._committing = batch
            committed, self._gathering = self._gathering, None
            assert committed is not None
            try:
                await self._commit(list(batch.values()))
            except BaseException as error:
                if not committed.done():
                    committed.set_exception(error)
                    committed.exception()  # retrieved: the writers that await it raise it
                if not isinstance(error, Exception):
                    raise
            else:
                committed.set_result(None)
            finally:
                self._committing = {}

    async def _commit(self, rows: list[FsmRow]) -> None:
        kept = [row for row in rows if row[3] is not None or row[4] != _EMPTY]
        emptied = [row[0] for row in rows if row[3] is None and row[4] == _EMPTY]
        if len(rows) == 1:  # one statement commits on its own: no BEGIN/COMMIT trips
            async with self._db.autocommit() as repos:
                await (repos.fsm.put_rows(kept) if kept else repos.fsm.delete_rows(emptied))
            return
        async with self._db.transaction() as repos:
            if kept:
                await repos.fsm.put_rows(kept)
            if emptied:
                await repos.fsm.delete_rows(emptied)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self._update(key, state=state.state if isinstance(state, State) else state)

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._read(key)
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        encoded = json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"))
        await self._update(key, data=encoded)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._read(key)
        decoded: dict[str, Any] = json.loads(data)
        return decoded

    async def close(self) -> None:
        """Waits for the writes in progress; the database belongs to the application, which
        closes it itself."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)
