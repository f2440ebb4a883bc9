"""Rows read and written by a connection of the test's own, as another program would: the
checks do not go through the repositories they check."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import aiosqlite

from storage.db import Database, Repositories


def sqlite_file(db: Database) -> Path:
    """The file of a SQLite database (the tests that read it directly run on SQLite)."""
    assert db.path is not None, f"{db.describe()} is not a SQLite file"
    return db.path


def _path(db: Database | Path) -> Path:
    return sqlite_file(db) if isinstance(db, Database) else db


async def query(db: Database | Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    async with aiosqlite.connect(_path(db)) as conn:
        return [tuple(row) for row in await conn.execute_fetchall(sql, params)]


async def execute(db: Database | Path, sql: str, *params: Any) -> None:
    async with aiosqlite.connect(_path(db)) as conn:
        await conn.execute(sql, params)
        await conn.commit()


async def insert_people(db: Database | Path, ids: Iterable[int], **fields: Any) -> list[int]:
    """Users with these ids and the same `fields`, in one transaction; returns the ids. People
    given consent here also said yes to news (`news_opt_in=1`) unless `fields` say otherwise,
    so they are in broadcast audiences."""
    ids = list(ids)
    if fields.get("consent_given_at") is not None:
        fields = {"news_opt_in": 1} | fields
    columns = ", ".join(["id", *fields])
    marks = ", ".join("?" * (1 + len(fields)))
    async with aiosqlite.connect(_path(db)) as conn:
        await conn.executemany(
            f"INSERT INTO users ({columns}) VALUES ({marks})",
            [(user_id, *fields.values()) for user_id in ids],
        )
        await conn.commit()
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
