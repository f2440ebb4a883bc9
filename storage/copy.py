"""Copying every table of one database into another: SQLite to PostgreSQL, back, or between two
of a kind (`python -m bot copy-db`).

The tables, their columns, keys and foreign keys are read from each side's own catalogue, so a
new migration needs nothing here. Both databases must be at the same schema version with the
same tables and columns. The source is read in one transaction (a snapshot on PostgreSQL), in
primary-key order, in batches; the target is written in one transaction, parents before
children, so a copy that fails leaves the target as it was. PostgreSQL's identity sequences are
then set past the largest id, and the rows of every table are counted on both sides.

The search tables (`search_phrases`, `search_programs`) are copied like the others, with
`free_text_meta` that says what they were built from: the bot finds the same index after the
copy and does not rebuild it. On SQLite they are FTS5 tables (their shadow tables are FTS5's
own and are not copied); on PostgreSQL their generated `tsv` column is computed again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

import aiosqlite

from storage.db import Database, Repositories
from storage.sql import Dialect

BATCH_ROWS = 1000

# What a database holds once migrated and given the packaged reference data
# (`python -m bot migrate`): replaced by the source's without asking. Rows in any other table
# mean people's data, which a copy replaces only with `replace=True`.
REFERENCE_TABLES = frozenset(
    {
        "regions",
        "centers",
        "programs",
        "catalogue_meta",
        "faq",
        "free_text_meta",
        "search_phrases",
        "search_programs",
    }
)


class CopyRefused(Exception):
    """The copy was not started or was rolled back; the message is one sentence that says why."""


class Kind(StrEnum):
    """How a column's values travel: PostgreSQL checks types, SQLite keeps what it is given."""

    integer = "integer"
    real = "real"
    text = "text"
    blob = "blob"
    boolean = "boolean"
    other = "other"


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[str, ...]  # copied: stored, not generated
    kinds: tuple[Kind, ...]  # one per column
    key: tuple[str, ...]  # the primary key; empty for the search tables
    parents: frozenset[str]  # tables its foreign keys name
    identity: str | None = None  # PostgreSQL: the column with an identity sequence


@dataclass(frozen=True, slots=True)
class TableCount:
    name: str
    source: int
    target: int

    @property
    def ok(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True, slots=True)
class CopyReport:
    tables: tuple[TableCount, ...]

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)

    @property
    def rows(self) -> int:
        return sum(t.target for t in self.tables)


def _conn(repos: Repositories) -> aiosqlite.Connection:
    # SQL on any table lives here, in storage: the one place besides the repositories.
    return repos._conn


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_kind(declared: str) -> Kind:
    # SQLite's own affinity rules (https://sqlite.org/datatype3.html, 3.1).
    declared = declared.upper()
    if "INT" in declared:
        return Kind.integer
    if any(word in declared for word in ("CHAR", "CLOB", "TEXT")):
        return Kind.text
    if "BLOB" in declared or not declared:
        return Kind.blob
    if any(word in declared for word in ("REAL", "FLOA", "DOUB")):
        return Kind.real
    return Kind.other


_PG_KINDS = {
    "bigint": Kind.integer,
    "integer": Kind.integer,
    "smallint": Kind.integer,
    "double precision": Kind.real,
    "real": Kind.real,
    "numeric": Kind.real,
    "text": Kind.text,
    "character varying": Kind.text,
    "character": Kind.text,
    "bytea": Kind.blob,
    "boolean": Kind.boolean,
}


async def read_schema(db: Database, repos: Repositories) -> dict[str, Table]:
    """Every table of the database's schema (not its bookkeeping: `schema_version`, SQLite's
    own tables, FTS5's shadow tables), by name."""
    if db.dialect is Dialect.postgresql:
        return await _postgres_schema(_conn(repos))
    return await _sqlite_schema(_conn(repos))


async def _sqlite_schema(conn: aiosqlite.Connection) -> dict[str, Table]:
    names = await conn.execute_fetchall(
        "SELECT name FROM pragma_table_list WHERE schema = 'main' "
        "AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "ORDER BY name"
    )
    tables = {}
    for (name,) in names:
        columns = await conn.execute_fetchall(
            "SELECT name, type, pk FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid",
            (name,),
        )
        parents = await conn.execute_fetchall(
            'SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)', (name,)
        )
        key = [(int(pk), str(column)) for column, _, pk in columns if int(pk) > 0]
        tables[str(name)] = Table(
            name=str(name),
            columns=tuple(str(c) for c, _, _ in columns),
            kinds=tuple(_sqlite_kind(str(t or "")) for _, t, _ in columns),
            key=tuple(column for _, column in sorted(key)),
            parents=frozenset(str(p) for (p,) in parents if str(p) != name),
        )
    return tables


async def _postgres_schema(conn: aiosqlite.Connection) -> dict[str, Table]:
    columns = await conn.execute_fetchall(
        "SELECT table_name, column_name, data_type, is_identity FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_generated = 'NEVER' "
        "AND table_name IN (SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE') "
        "AND table_name <> 'schema_version' ORDER BY table_name, ordinal_position"
    )
    keys = await conn.execute_fetchall(
        "SELECT k.table_name, k.column_name FROM information_schema.table_constraints AS c "
        "JOIN information_schema.key_column_usage AS k "
        "ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name "
        "WHERE c.table_schema = current_schema() AND c.constraint_type = 'PRIMARY KEY' "
        "ORDER BY k.table_name, k.ordinal_position"
    )
    references = await conn.execute_fetchall(
        "SELECT DISTINCT child.relname, parent.relname FROM pg_constraint AS f "
        "JOIN pg_class AS child ON child.oid = f.conrelid "
        "JOIN pg_class AS parent ON parent.oid = f.confrelid "
        "WHERE f.contype = 'f' AND f.connamespace = current_schema()::regnamespace"
    )
    found: dict[str, list[tuple[str, Kind, bool]]] = {}
    for table, column, data_type, identity in columns:
        kind = _PG_KINDS.get(str(data_type), Kind.other)
        found.setdefault(str(table), []).append((str(column), kind, identity == "YES"))
    key_of: dict[str, list[str]] = {}
    for table, column in keys:
        key_of.setdefault(str(table), []).append(str(column))
    parents_of: dict[str, set[str]] = {}
    for child, parent in references:
        if child != parent:
            parents_of.setdefault(str(child), set()).add(str(parent))
    return {
        name: Table(
            name=name,
            columns=tuple(c for c, _, _ in cols),
            kinds=tuple(k for _, k, _ in cols),
            key=tuple(key_of.get(name, ())),
            parents=frozenset(parents_of.get(name, ())),
            identity=next((c for c, _, i in cols if i), None),
        )
        for name, cols in sorted(found.items())
    }


def copy_order(tables: dict[str, Table]) -> list[Table]:
    """Parents before the tables that refer to them, otherwise by name."""
    ordered: list[Table] = []
    placed: set[str] = set()
    waiting = dict(sorted(tables.items()))
    while waiting:
        ready = [t for t in waiting.values() if t.parents & tables.keys() <= placed]
        if not ready:
            raise CopyRefused(
                "The foreign keys of tables " + ", ".join(waiting) + " form a cycle; "
                "they cannot be copied in order."
            )
        for table in ready:
            ordered.append(table)
            placed.add(table.name)
            del waiting[table.name]
    return ordered


def _check_same(source: dict[str, Table], target: dict[str, Table]) -> None:
    if source.keys() != target.keys():
        only = sorted(source.keys() ^ target.keys())
        raise CopyRefused(
            "The two databases have different tables (" + ", ".join(only) + "); "
            "upgrade the bot that wrote the older one and run `python -m bot migrate` on it."
        )
    for name, table in source.items():
        if set(table.columns) != set(target[name].columns):
            raise CopyRefused(
                f"Table {name} has different columns in the two databases; "
                "both must be migrated by the same version of the bot."
            )


def _converter(kind: Kind, dialect: Dialect) -> Any:
    """How a value read from the source is written to a column of this kind on the target."""
    if dialect is Dialect.sqlite:
        return _to_sqlite
    return {
        Kind.integer: _to_int,
        Kind.real: _to_float,
        Kind.text: _to_text,
        Kind.blob: _to_bytes,
        Kind.boolean: _to_bool,
    }.get(kind, _as_is)


def _as_is(value: object) -> object:
    return value


def _to_sqlite(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def _to_int(value: object) -> object:
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return int(str(value))


def _to_float(value: object) -> object:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _to_text(value: object) -> object:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def _to_bytes(value: object) -> object:
    if value is None or isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


def _to_bool(value: object) -> object:
    return None if value is None else bool(value)


async def _batches(
    conn: aiosqlite.Connection, table: Table, batch: int
) -> AsyncIterator[list[Sequence[object]]]:
    """The table's rows in primary-key order (all columns' order without a key), batch by
    batch: after the last key read, or at an offset for a table without a key."""
    columns = ", ".join(_quote(c) for c in table.columns)
    order = ", ".join(_quote(c) for c in (table.key or table.columns))
    select = f"SELECT {columns} FROM {_quote(table.name)}"
    keys = ", ".join(_quote(c) for c in table.key)
    marks = ", ".join("?" for _ in table.key)
    after = f" WHERE ({keys}) > ({marks})" if len(table.key) > 1 else f" WHERE {keys} > ?"
    positions = [table.columns.index(c) for c in table.key]
    last: tuple[object, ...] | None = None
    offset = 0
    while True:
        if not table.key:
            found = await conn.execute_fetchall(
                f"{select} ORDER BY {order} LIMIT ? OFFSET ?", (batch, offset)
            )
        elif last is None:
            found = await conn.execute_fetchall(f"{select} ORDER BY {order} LIMIT ?", (batch,))
        else:
            found = await conn.execute_fetchall(
                f"{select}{after} ORDER BY {order} LIMIT ?", (*last, batch)
            )
        rows: list[Sequence[object]] = list(found)
        if rows:
            yield rows
        if len(rows) < batch:
            return
        offset += len(rows)
        last = tuple(rows[-1][p] for p in positions)


async def count_rows(db: Database, tables: Iterable[str]) -> dict[str, int]:
    async with db.autocommit() as repos:
        conn = _conn(repos)
        counts = {}
        for name in tables:
            rows = list(await conn.execute_fetchall(f"SELECT count(*) FROM {_quote(name)}"))
            counts[name] = int(rows[0][0])
        return counts


async def _holding_data(conn: aiosqlite.Connection, tables: Iterable[Table]) -> list[str]:
    """Tables other than the reference data that hold at least one row."""
    found = []
    for table in tables:
        if table.name in REFERENCE_TABLES:
            continue
        if list(await conn.execute_fetchall(f"SELECT 1 FROM {_quote(table.name)} LIMIT 1")):
            found.append(table.name)
    return found


async def copy_database(
    source: Database, target: Database, *, replace: bool = False, batch: int = BATCH_ROWS
) -> CopyReport:
    """Copy every table of `source` into `target` (both migrated to the same version), then
    count the rows of each on both sides. Raises `CopyRefused` when the copy cannot start or
    failed (the target then holds what it held before). Without `replace` a target holding
    data beyond the reference tables is refused; with it, its rows are deleted first, in the
    same transaction."""
    same_file = (
        source.path is not None
        and target.path is not None
        and source.path.resolve() == target.path.resolve()
    )
    if source.url == target.url or same_file:
        raise CopyRefused("The source and the target are the same database.")
    versions = (await source.schema_version(), await target.schema_version())
    if versions[0] != versions[1]:
        raise CopyRefused(
            f"The source is at schema version {versions[0]} and the target at {versions[1]}; "
            "run `python -m bot migrate` on both with the same version of the bot."
        )
    async with source.transaction() as read, target.transaction() as write:
        if source.dialect is Dialect.postgresql:
            # One snapshot for every table read, whatever other processes commit meanwhile.
            await _conn(read).execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        source_tables = await read_schema(source, read)
        target_tables = await read_schema(target, write)
        _check_same(source_tables, target_tables)
        ordered = copy_order(target_tables)
        into = _conn(write)
        busy = await _holding_data(into, ordered)
        if busy and not replace:
            raise CopyRefused(
                "The target already holds data (" + ", ".join(busy) + "); "
                "copy into an empty database, or add --replace to overwrite it."
            )
        if target.dialect is Dialect.sqlite:
            await into.execute("PRAGMA defer_foreign_keys = ON")
        for table in reversed(ordered):
            await into.execute(f"DELETE FROM {_quote(table.name)}")
        for table in ordered:
            await _copy_table(_conn(read), into, source_tables[table.name], table, target, batch)
        if target.dialect is Dialect.postgresql:
            for table in ordered:
                if table.identity is not None:
                    await _reset_sequence(into, table.name, table.identity)
    names = [t.name for t in ordered]
    before, after = await count_rows(source, names), await count_rows(target, names)
    return CopyReport(tuple(TableCount(n, before[n], after[n]) for n in names))


async def _copy_table(
    read: aiosqlite.Connection,
    write: aiosqlite.Connection,
    source: Table,
    target: Table,
    into: Database,
    batch: int,
) -> None:
    kinds = dict(zip(target.columns, target.kinds, strict=True))
    convert = [_converter(kinds[c], into.dialect) for c in source.columns]
    columns = ", ".join(_quote(c) for c in source.columns)
    marks = ", ".join("?" for _ in source.columns)
    # An identity column is written as it is, not numbered anew.
    overriding = " OVERRIDING SYSTEM VALUE" if target.identity is not None else ""
    insert = f"INSERT INTO {_quote(target.name)} ({columns}){overriding} VALUES ({marks})"
    async for rows in _batches(read, source, batch):
        try:
            values = [tuple(f(v) for f, v in zip(convert, row, strict=True)) for row in rows]
        except (TypeError, ValueError) as error:
            raise CopyRefused(
                f"A row of table {source.name} cannot be written to the target ({error}); "
                "nothing was copied."
            ) from error
        try:
            await write.executemany(insert, values)
        except Exception as error:  # the target database's own error, whichever it is
            raise CopyRefused(
                f"A row of table {source.name} was refused by the target "
                f"({type(error).__name__}: {str(error).rstrip('.')}); nothing was copied."
            ) from error


async def _reset_sequence(conn: aiosqlite.Connection, table: str, column: str) -> None:
    """The next id the sequence hands out: one past the largest copied (1 when none)."""
    await conn.execute(
        f"SELECT setval(pg_get_serial_sequence(?, ?), "
        f"coalesce(max({_quote(column)}), 0) + 1, false) FROM {_quote(table)}",
        (table, column),
    )
