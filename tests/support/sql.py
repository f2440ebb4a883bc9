"""Rows read and written by a connection of the test's own, as another program would: the
checks do not go through the repositories they check. The SQL is SQLite's; on PostgreSQL it
is rewritten as the bot's own connection rewrites it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg

from storage.db import Database, Repositories
from storage.postgres import to_postgres
from storage.sql import Dialect


def sqlite_file(db: Database) -> Path:
    """The file of a SQLite database (the tests that read it directly run on SQLite)."""
    assert db.path is not None, f"{db.describe()} is not a SQLite file"
    return db.path


def _path(db: Database | Path) -> Path:
    return sqlite_file(db) if isinstance(db, Database) else db


def _on_postgres(db: Database | Path) -> str | None:
    """The URL when `db` is a PostgreSQL database."""
    if isinstance(db, Database) and db.dialect is Dialect.postgresql:
        return db.url
    return None


async def query(db: Database | Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    url = _on_postgres(db)
    if url is not None:
        conn = await asyncpg.connect(url)
        try:
            return [tuple(row) for row in await conn.fetch(to_postgres(sql), *params)]
        finally:
            await conn.close()
    async with aiosqlite.connect(_path(db)) as sqlite:
        return [tuple(row) for row in await sqlite.execute_fetchall(sql, params)]


async def execute(db: Database | Path, sql: str, *params: Any) -> None:
    url = _on_postgres(db)
    if url is not None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(to_postgres(sql), *params)
        finally:
            await conn.close()
        return
    async with aiosqlite.connect(_path(db)) as sqlite:
        await sqlite.execute(sql, params)
        await sqlite.commit()


async def insert_people(db: Database | Path, ids: Iterable[int], **fields: Any) -> list[int]:
    """Users with these ids and the same `fields`, in one transaction; returns the ids. People
    given consent here also said yes to news (`news_opt_in=1`) unless `fields` say otherwise,
    so they are in broadcast audiences."""
    ids = list(ids)
    if fields.get("consent_given_at") is not None:
        fields = {"news_opt_in": 1} | fields
    columns = ", ".join(["id", *fields])
    marks = ", ".join("?" * (1 + len(fields)))
    sql = f"INSERT INTO users ({columns}) VALUES ({marks})"
    rows = [(user_id, *fields.values()) for user_id in ids]
    url = _on_postgres(db)
    if url is not None:
        conn = await asyncpg.connect(url)
        try:
            await conn.executemany(to_postgres(sql), rows)
        finally:
            await conn.close()
        return ids
    async with aiosqlite.connect(_path(db)) as sqlite:
        await sqlite.executemany(sql, rows)
        await sqlite.commit()
    return ids


async def add_people(db: Database | Path, count: int, **fields: Any) -> list[int]:
    """`count` more users from id 100,000 on, each with the same `fields`."""
    (known,) = await query(db, "SELECT count(*) FROM users")
    start = 100_000 + int(known[0])
    return await insert_people(db, range(start, start + count), **fields)


def raw_connection(repos: Repositories) -> aiosqlite.Connection:
    """The connection of one unit of work, inside its transaction: for bulk set-up in
    benchmarks. The application goes through the repositories only."""
    return repos._conn


async def table_columns(db: Database) -> dict[str, list[str]]:
    """Every table of the schema with its columns (SQLite's own and FTS5's inner tables left
    out)."""
    if db.dialect is Dialect.postgresql:
        found = await query(
            db,
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
        )
    else:
        found = await query(
            db,
            "SELECT m.name, c.name FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS c "
            "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, c.cid",
        )
    tables: dict[str, list[str]] = {}
    for table, column in found:
        tables.setdefault(str(table), []).append(str(column))
    return tables
