"""`PostgresDatabase` itself: migrating from every older version, workers that start (and
migrate) at the same moment, and what it says about itself."""

from __future__ import annotations

import asyncio

import pytest

from bot.services.database import open_database
from storage.connect import connect
from storage.db import load_migrations, without_password
from storage.postgres import PostgresDatabase
from storage.sql import Dialect

LATEST = len(load_migrations(Dialect.postgresql))


@pytest.mark.parametrize("start", range(LATEST))
async def test_a_database_at_any_older_version_is_brought_up_to_date(
    pg_url: str, start: int
) -> None:
    old = await PostgresDatabase.open(pg_url, migrate=False)
    try:
        assert await old.migrate(target=start) == start
        assert await old.schema_version() == start
    finally:
        await old.close()
    db = await open_database(pg_url)  # what the bot does at start
    try:
        assert await db.schema_version() == LATEST
        async with db.autocommit() as repos:
            assert await repos.catalogue.count_programs() > (0, 0)
            await repos.users.ensure(7_000_000_001)  # a Telegram id past 32 bits
            assert (await repos.users.get(7_000_000_001)) is not None
    finally:
        await db.close()


async def test_workers_starting_together_migrate_once(pg_url: str) -> None:
    dbs = await asyncio.gather(*(open_database(pg_url) for _ in range(4)))
    try:
        versions = {await db.schema_version() for db in dbs}
        async with dbs[0].autocommit() as repos:
            regions = await repos.catalogue.regions()
    finally:
        await asyncio.gather(*(db.close() for db in dbs))
    assert versions == {LATEST}
    assert len(regions) == len({r.slug for r in regions}) > 80  # loaded once, not four times


async def test_the_url_is_shown_without_its_password(pg_url: str) -> None:
    db = await connect(pg_url)
    try:
        assert db.dialect is Dialect.postgresql and db.path is None
        assert db.describe() == db.url == pg_url  # no password in the test server's URL
    finally:
        await db.close()
    hidden = without_password("postgresql://bot:s3cret@db.example:5432/copp")
    assert hidden == "postgresql://bot:***@db.example:5432/copp"
