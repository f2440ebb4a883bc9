"""PostgreSQL through asyncpg, behind the same repositories as SQLite.

The repositories speak one SQL: SQLite's `?` placeholders and its ISO time stamp
`strftime('%Y-%m-%dT%H:%M:%SZ', 'now')`, `INSERT OR IGNORE`, and otherwise statements both
databases understand (`RETURNING`, `ON CONFLICT … DO UPDATE`). `PgConnection` answers the part
of aiosqlite's connection they use (`execute`, `execute_fetchall`, `executemany`, a cursor's
`rowcount` and `fetchone`) and rewrites those few SQLite forms on the way, once per distinct
statement. Where the SQL must really differ (full-text search, the broadcast queue, a few
statistics) the repository asks `dialect` and has a second statement.

Unlike SQLite there is no process-wide lock: every unit of work takes its own connection from
a pool, and the server keeps concurrent transactions apart (READ COMMITTED; the statements
that claim work lock the rows they take).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from types import TracebackType
from typing import Any, cast

import aiosqlite
import asyncpg

from storage.db import Database, Repositories, load_migrations, without_password
from storage.sql import Dialect

NOW_ISO = "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
_SQLITE_NOW = re.compile(r"strftime\('%Y-%m-%dT%H:%M:%SZ',\s*'now'\)")
_INSERT_OR_IGNORE = re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
# SQLite compares with NULL by `IS ?`; PostgreSQL's `IS` takes no parameter.
_IS_PARAMETER = re.compile(r"\bIS\s+(NOT\s+)?\?", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_RETURNS_ROWS = re.compile(r"^\s*(SELECT|WITH|VALUES|SHOW)\b|\bRETURNING\b", re.IGNORECASE)


@lru_cache(maxsize=4096)
def to_postgres(sql: str) -> str:
    """The statement in PostgreSQL's words: `?` → `$n` (outside quoted text), the SQLite
    time stamp → the same text from `now()`, `INSERT OR IGNORE` → `ON CONFLICT DO NOTHING`,
    `IS ?` → `IS NOT DISTINCT FROM $n`."""
    sql = _SQLITE_NOW.sub(lambda _: NOW_ISO, sql)
    sql = _IS_PARAMETER.sub(
        lambda m: "IS DISTINCT FROM ?" if m.group(1) else "IS NOT DISTINCT FROM ?", sql
    )
    if _INSERT_OR_IGNORE.search(sql):
        sql = _INSERT_OR_IGNORE.sub("INSERT INTO", sql)
        returning = _RETURNING.search(sql)
        if returning:
            sql = f"{sql[: returning.start()]}ON CONFLICT DO NOTHING {sql[returning.start() :]}"
        else:
            sql = f"{sql.rstrip().rstrip(';')} ON CONFLICT DO NOTHING"
    out: list[str] = []
    number = 0
    quote: str | None = None
    for char in sql:
        if quote is not None:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "?":
            number += 1
            out.append(f"${number}")
            continue
        out.append(char)
    return "".join(out)


def _rowcount(status: str) -> int:
    """Rows touched, from a command tag such as 'UPDATE 3' or 'INSERT 0 1'."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


class PgCursor:
    """What a statement left: its rows (when it returns any) and how many rows it touched."""

    lastrowid = None  # PostgreSQL has no rowid: inserts say `RETURNING id`

    def __init__(self, rows: Sequence[asyncpg.Record], rowcount: int) -> None:
        self._rows = list(rows)
        self.rowcount = rowcount

    async def fetchone(self) -> asyncpg.Record | None:
        return self._rows.pop(0) if self._rows else None

    async def fetchall(self) -> list[asyncpg.Record]:
        rows, self._rows = self._rows, []
        return rows

    async def close(self) -> None:
        self._rows = []


class _Statement:
    """`await conn.execute(…)` and `async with conn.execute(…) as cursor`, as with aiosqlite."""

    def __init__(self, conn: PgConnection, sql: str, parameters: Iterable[Any] | None) -> None:
        self._conn = conn
        self._sql = sql
        self._parameters = tuple(parameters or ())

    def __await__(self) -> Any:
        return self._conn._run(self._sql, self._parameters).__await__()

    async def __aenter__(self) -> PgCursor:
        return await self._conn._run(self._sql, self._parameters)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        return None


class PgConnection:
    """One pooled asyncpg connection, answering as an aiosqlite connection does."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> _Statement:
        return _Statement(self, sql, parameters)

    async def _run(self, sql: str, parameters: tuple[Any, ...]) -> PgCursor:
        query = to_postgres(sql)
        if _RETURNS_ROWS.search(query):
            rows = await self._conn.fetch(query, *parameters)
            return PgCursor(rows, len(rows))
        status = await self._conn.execute(query, *parameters)
        return PgCursor((), _rowcount(status))

    async def execute_fetchall(
        self, sql: str, parameters: Iterable[Any] | None = None
    ) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self._conn.fetch(
            to_postgres(sql), *tuple(parameters or ())
        )
        return rows

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> PgCursor:
        batch = [tuple(row) for row in parameters]
        if batch:
            await self._conn.executemany(to_postgres(sql), batch)
        return PgCursor((), -1)


class PgPoolReader:
    """Single-statement reads of committed data, each on whichever pooled connection is
    free: the PostgreSQL side of `Database.reads`."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def execute_fetchall(
        self, sql: str, parameters: Iterable[Any] | None = None
    ) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self._pool.fetch(
            to_postgres(sql), *tuple(parameters or ())
        )
        return rows


@asynccontextmanager
async def pooled(pool: asyncpg.Pool) -> AsyncIterator[PgConnection]:
    async with pool.acquire() as conn:
        yield PgConnection(conn)


# Taken by `migrate` for its whole run, so workers starting together migrate one at a time,
# and around the whole start-up set-up (migrations and reference data).
_MIGRATION_LOCK = 7_202_611_001
_SETUP_LOCK = 7_202_611_002


class PostgresDatabase(Database):
    """A PostgreSQL database shared by any number of bot processes."""

    dialect = Dialect.postgresql

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self._url = url
        # Tasks inside a unit of work: nesting one is refused here as on SQLite (where it
        # would wait for itself), so code written against either works on both.
        self._busy: set[asyncio.Task[object]] = set()
        self._reads = Repositories(
            cast("aiosqlite.Connection", PgPoolReader(pool)), Dialect.postgresql
        )

    @classmethod
    async def open(
        cls, url: str, *, migrate: bool = True, pool_size: int = 10
    ) -> PostgresDatabase:
        pool = await asyncpg.create_pool(
            url, min_size=1, max_size=pool_size, server_settings={"timezone": "UTC"}
        )
        db = cls(pool, url)
        try:
            if migrate:
                await db.migrate()
                await db.check_writable()
        except BaseException:
            await pool.close()
            raise
        return db

    @property
    def url(self) -> str:
        return self._url

    def describe(self) -> str:
        return without_password(self._url)

    @asynccontextmanager
    async def _unit(self) -> AsyncIterator[asyncpg.Connection]:
        task = asyncio.current_task()
        if task is not None and task in self._busy:
            raise RuntimeError("a unit of work is already open in this task; do not nest them")
        if task is not None:
            self._busy.add(task)
        try:
            async with self._pool.acquire() as conn:
                yield conn
        finally:
            if task is not None:
                self._busy.discard(task)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Repositories]:
        async with self._unit() as conn, conn.transaction():
            yield Repositories(cast("aiosqlite.Connection", PgConnection(conn)), self.dialect)

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[Repositories]:
        async with self._unit() as conn:
            yield Repositories(cast("aiosqlite.Connection", PgConnection(conn)), self.dialect)

    @property
    def reads(self) -> Repositories:
        return self._reads

    async def schema_version(self) -> int:
        async with self._pool.acquire() as conn:
            return await _version(conn)

    async def migrate(self, *, target: int | None = None) -> int:
        async with self._pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
            try:
                current = await _version(conn)
                for migration in load_migrations(Dialect.postgresql):
                    if migration.version <= current:
                        continue
                    if target is not None and migration.version > target:
                        break
                    # Each migration commits together with its version: all or nothing.
                    async with conn.transaction():
                        await conn.execute(migration.sql)
                        await conn.execute(
                            "UPDATE schema_version SET version = $1", migration.version
                        )
                    current = migration.version
                return current
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)

    @asynccontextmanager
    async def setting_up(self) -> AsyncIterator[None]:
        async with self._pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", _SETUP_LOCK)
            try:
                yield
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", _SETUP_LOCK)

    async def check_writable(self) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            # A read-only standby or a role without rights fails here, not at the first write.
            await conn.execute("UPDATE schema_version SET version = version")

    async def close(self) -> None:
        await self._pool.close()


async def _version(conn: asyncpg.Connection) -> int:
    """The schema version, kept in a one-row table (created with version 0 when missing)."""
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL); "
        "INSERT INTO schema_version (version) "
        "SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version)"
    )
    return int(await conn.fetchval("SELECT version FROM schema_version"))
