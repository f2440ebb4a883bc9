"""Open the database a URL names: `sqlite:///path/to/file.sqlite3` or `postgresql://…`."""

from __future__ import annotations

from pathlib import Path

from storage.db import Database, SqliteDatabase

SQLITE_PREFIX = "sqlite:///"
POSTGRES_PREFIXES = ("postgresql://", "postgres://")


def sqlite_url(path: Path | str) -> str:
    return f"{SQLITE_PREFIX}{path}"


def is_postgres(url: str) -> bool:
    return url.startswith(POSTGRES_PREFIXES)


def sqlite_path(url: str) -> Path:
    """The file of a `sqlite:///…` URL (relative unless it has a fourth slash)."""
    if not url.startswith(SQLITE_PREFIX):
        raise ValueError(f"not a SQLite URL: {url!r}")
    return Path(url.removeprefix(SQLITE_PREFIX))


def check_url(url: str) -> str:
    """The URL when it names a database this bot can use, else ValueError with why."""
    if is_postgres(url) or url.startswith(SQLITE_PREFIX):
        return url
    raise ValueError(
        "DATABASE_URL must start with sqlite:/// (a file) or postgresql:// (a server)"
    )


async def connect(url: str, *, migrate: bool = True) -> Database:
    """The database at `url`; with `migrate`, its schema brought up to date."""
    if is_postgres(check_url(url)):
        # asyncpg is loaded only by a bot that uses PostgreSQL: start-up time and memory.
        from storage.postgres import PostgresDatabase  # noqa: PLC0415

        return await PostgresDatabase.open(url, migrate=migrate)
    return await SqliteDatabase.open(sqlite_path(url), migrate=migrate)
