"""A PostgreSQL server for the tests: `POSTGRES_TEST_URL` names it (`.ci/run` starts one;
`tests/support/start_postgres.sh` starts one by hand), and every test gets a new, empty
database of its own on it, dropped after the test.

Without the variable the tests that need PostgreSQL are skipped. The role of the URL must be
allowed to create databases; the URL's own database is used only to create and drop them."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

URL_VARIABLE = "POSTGRES_TEST_URL"
NO_SERVER = (
    f"no PostgreSQL server for the tests: {URL_VARIABLE} is not set "
    "(tests/support/start_postgres.sh starts one and prints its URL)"
)
CONNECT_TIMEOUT = 10.0

# Only databases made here are ever dropped here.
_FRESH_NAME = re.compile(r"^t_[0-9a-f]{32}$")


def postgres_url() -> str | None:
    """The URL of the test server, or None when there is none."""
    return os.environ.get(URL_VARIABLE) or None


def database_url(url: str, name: str) -> str:
    """`url` naming the database `name` instead of its own (user, host, port and options
    kept)."""
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


async def fresh_database(url: str) -> str:
    """Create a new empty database with a unique name on the server of `url` and return its
    URL."""
    name = f"t_{uuid.uuid4().hex}"
    conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return database_url(url, name)


async def drop_database(url: str, server_url: str | None = None) -> None:
    """Drop the database of `url`, made by `fresh_database`, even while connections to it are
    still open. `server_url` (default: `POSTGRES_TEST_URL`, else the server's `postgres`
    database) is where the drop is issued from."""
    name = database_name(url)
    if not _FRESH_NAME.match(name):
        raise ValueError(f"{name!r} was not made by fresh_database; not dropping it")
    conn = await asyncpg.connect(
        server_url or postgres_url() or database_url(url, "postgres"), timeout=CONNECT_TIMEOUT
    )
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """The URL of a fresh, empty PostgreSQL database, dropped after the test; the test is
    skipped when there is no server."""
    server = postgres_url()
    if server is None:
        pytest.skip(NO_SERVER)
    url = await fresh_database(server)
    try:
        yield url
    finally:
        await drop_database(url, server)


# --- the suite on PostgreSQL ----------------------------------------------------------------
# `TEST_DATABASE=postgresql` runs the tests that use the `settings` and `db` fixtures on
# PostgreSQL: each test gets its own database, copied from a template that was migrated and
# given the reference data once per test process (a copy takes a few milliseconds; migrating
# and loading take a second).

DIALECT_VARIABLE = "TEST_DATABASE"
# The template of this test process, once made: {"url": …}.
_template: dict[str, str] = {}


def suite_on_postgres() -> bool:
    return os.environ.get(DIALECT_VARIABLE, "sqlite") == "postgresql"


async def _make_template(server: str) -> str:
    # Imported here: the services are what the template is made with, not what this module
    # needs to hand out plain databases.
    from bot.services.database import open_database  # noqa: PLC0415

    url = await fresh_database(server)
    db = await open_database(url)
    await db.close()
    return url


async def database_for_test() -> str:
    """A new database with the schema and the reference data, for one test."""
    server = postgres_url()
    if server is None:
        pytest.fail(f"{DIALECT_VARIABLE}=postgresql, but {NO_SERVER}")
    if "url" not in _template:
        _template["url"] = await _make_template(server)
    name = f"t_{uuid.uuid4().hex}"
    template = database_name(_template["url"])
    conn = await asyncpg.connect(server, timeout=CONNECT_TIMEOUT)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await conn.close()
    return database_url(server, name)


async def drop_template() -> None:
    url = _template.pop("url", None)
    if url is not None:
        await drop_database(url)
