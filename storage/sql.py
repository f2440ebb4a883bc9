"""The few SQL fragments that SQLite and PostgreSQL spell differently.

Everything else the repositories write is understood by both (see `storage/postgres.py` for
the forms PostgreSQL's connection rewrites on its own)."""

from __future__ import annotations

from enum import StrEnum


class Dialect(StrEnum):
    sqlite = "sqlite"
    postgresql = "postgresql"


def hours_between(dialect: Dialect, later: str, earlier: str) -> str:
    """Hours from one ISO time stamp column to another, as a number."""
    if dialect is Dialect.postgresql:
        return f"(extract(epoch FROM ({later})::timestamptz - ({earlier})::timestamptz) / 3600)"
    return f"((julianday({later}) - julianday({earlier})) * 24)"


def greatest(dialect: Dialect, first: str, second: str) -> str:
    return f"{'greatest' if dialect is Dialect.postgresql else 'max'}({first}, {second})"


def joined(dialect: Dialect, expression: str) -> str:
    """The group's values, as text separated by commas."""
    if dialect is Dialect.postgresql:
        return f"string_agg(({expression})::text, ',')"
    return f"group_concat({expression})"


def local_day(dialect: Dialect, column: str, timezone: str, sqlite_shift: str) -> str:
    """The calendar day (YYYY-MM-DD) of an ISO UTC time stamp in a fixed time zone: by name
    on PostgreSQL, by its offset (`'+3 hours'`) on SQLite."""
    if dialect is Dialect.postgresql:
        return f"to_char(({column})::timestamptz AT TIME ZONE '{timezone}', 'YYYY-MM-DD')"
    return f"date({column}, '{sqlite_shift}')"
