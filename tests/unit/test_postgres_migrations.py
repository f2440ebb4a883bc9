"""The PostgreSQL migrations (storage/migrations/postgresql): applied in steps they give the
same schema as applied at once, that schema has the tables, columns and indexes of the SQLite
one, and the migrations that move data move it as the SQLite ones do.

Needs the server of POSTGRES_TEST_URL (tests/support/start_postgres.sh); skipped without."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.support.postgres import drop_database, fresh_database, postgres_url

pytestmark = pytest.mark.postgres

MIGRATIONS = Path(__file__).resolve().parents[2] / "storage" / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# FTS5 keeps its index in shadow tables named after the virtual table.
_FTS5_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")
# SQLite's declared type → PostgreSQL's (information_schema.columns.data_type).
_TYPES = {"INTEGER": "bigint", "REAL": "double precision", "TEXT": "text", "": "text"}
# Tables whose INSERTs leave the id to the database.
AUTO_IDS = (
    "quiz_results",
    "leads",
    "audit_log",
    "broadcasts",
    "reminders",
    "lead_outbox",
    "classes",
)
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def migration_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if _NAME.match(path.name))


PG_FILES = migration_files(MIGRATIONS / "postgresql")
SQLITE_FILES = migration_files(MIGRATIONS)


async def apply(url: str, files: list[Path]) -> None:
    """Each file in a transaction of its own, on a connection of its own (a restart between
    two runs of the bot)."""
    conn = await asyncpg.connect(url)
    try:
        for path in files:
            async with conn.transaction():
                await conn.execute(path.read_text("utf-8"))
    finally:
        await conn.close()


async def pg_schema(url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        columns = await conn.fetch(
            "SELECT table_name, column_name, ordinal_position, data_type, is_nullable, "
            "column_default, is_identity, identity_generation, is_generated, "
            "generation_expression FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
        )
        indexes = await conn.fetch(
            "SELECT tablename, indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = 'public' ORDER BY indexname"
        )
        constraints = await conn.fetch(
            "SELECT c.conrelid::regclass::text AS table_name, c.conname, c.contype, "
            "pg_get_constraintdef(c.oid) AS definition FROM pg_constraint c "
            "JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public' "
            "ORDER BY 1, 2"
        )
    finally:
        await conn.close()
    return {
        "columns": [tuple(row) for row in columns],
        "indexes": [tuple(row) for row in indexes],
        "constraints": [tuple(row) for row in constraints],
    }


def sqlite_schema() -> tuple[dict[str, list[tuple[str, str, bool, bool]]], set[str]]:
    """{table: [(column, declared type, not null, has a default)]} and the explicit index
    names, after every SQLite migration."""
    conn = sqlite3.connect(":memory:")
    try:
        for path in SQLITE_FILES:
            conn.executescript(path.read_text("utf-8"))
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
        virtual = {name for kind, name, sql in rows if kind == "table" and "VIRTUAL" in sql}
        shadows = {v + suffix for v in virtual for suffix in _FTS5_SHADOWS}
        tables: dict[str, list[tuple[str, str, bool, bool]]] = {}
        for kind, name, _ in rows:
            if kind != "table" or name.startswith("sqlite_") or name in shadows:
                continue
            info = conn.execute(f'PRAGMA table_info("{name}")').fetchall()
            tables[name] = [
                (column, declared.upper(), bool(notnull) or bool(pk), default is not None)
                for _, column, declared, notnull, default, pk in info
            ]
        indexes = {
            name
            for kind, name, sql in rows
            if kind == "index" and sql is not None  # sqlite_autoindex_*: PRIMARY KEY, UNIQUE
        }
    finally:
        conn.close()
    return tables, indexes


@pytest.fixture
async def reference_schema() -> dict[str, Any]:
    server = postgres_url()
    if server is None:
        pytest.skip("no PostgreSQL server")
    url = await fresh_database(server)
    try:
        await apply(url, PG_FILES)
        return await pg_schema(url)
    finally:
        await drop_database(url, server)


def test_every_sqlite_migration_has_its_postgresql_twin() -> None:
    assert [p.name for p in PG_FILES] == [p.name for p in SQLITE_FILES]
    for path in PG_FILES:
        text = path.read_text("utf-8")
        assert text.startswith("--"), f"{path.name} keeps the header comment"
        for sqlite_only in ("STRICT", "WITHOUT ROWID", "strftime", "INSERT OR", "INTEGER", "REAL"):
            assert not re.search(rf"\b{sqlite_only}\b", _code(text)), (path.name, sqlite_only)


def _code(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


@pytest.mark.parametrize("k", range(1, len(PG_FILES) + 1))
async def test_migrating_in_two_steps_gives_the_schema_of_one(
    pg_url: str, reference_schema: dict[str, Any], k: int
) -> None:
    await apply(pg_url, PG_FILES[:k])
    await apply(pg_url, PG_FILES[k:])
    assert await pg_schema(pg_url) == reference_schema


async def test_the_schema_matches_sqlite(pg_url: str) -> None:
    await apply(pg_url, PG_FILES)
    schema = await pg_schema(pg_url)
    sqlite_tables, sqlite_indexes = sqlite_schema()

    pg_tables: dict[str, list[tuple[str, str, bool, bool]]] = {}
    for table, column, _, data_type, nullable, default, *_ in schema["columns"]:
        pg_tables.setdefault(table, []).append(
            (column, data_type, nullable == "NO", default is not None)
        )
    assert sorted(pg_tables) == sorted(sqlite_tables)
    for table, sqlite_columns in sqlite_tables.items():
        expected = [
            (column, _TYPES[declared], notnull, has_default)
            for column, declared, notnull, has_default in sqlite_columns
        ]
        actual = [col for col in pg_tables[table] if col[0] != "tsv"]
        assert actual == expected, table
        if table.startswith("search_"):
            assert ("tsv", "tsvector", False, False) in pg_tables[table]

    # The INTEGER PRIMARY KEYs that SQLite fills itself (INSERTs leave them out) are identity
    # columns; ids given from outside (Telegram's) are plain keys.
    identity = {(row[0], row[1]) for row in schema["columns"] if row[6] == "YES"}
    assert identity == {(table, "id") for table in AUTO_IDS}

    pg_indexes = {
        name
        for _, name, definition in schema["indexes"]
        if not name.endswith(("_pkey", "_key")) and not name.endswith("_tsv")
    }
    assert pg_indexes == sqlite_indexes
    tsv_indexes = {name: d for _, name, d in schema["indexes"] if name.endswith("_tsv")}
    assert set(tsv_indexes) == {"search_phrases_tsv", "search_programs_tsv"}
    assert all("USING gin (tsv)" in d for d in tsv_indexes.values())


async def test_ids_are_64_bit_and_times_are_iso_text(pg_url: str) -> None:
    await apply(pg_url, PG_FILES)
    conn = await asyncpg.connect(pg_url)
    try:
        big = 7_000_000_000  # past 32 bits, as Telegram ids are
        await conn.execute("INSERT INTO users (id) VALUES ($1)", big)
        first = await conn.fetchval(
            "INSERT INTO quiz_results (user_id, instrument, answers, scores, vector, started_at) "
            "VALUES ($1, 'riasec', '[]', '{}', '{}', 'x') RETURNING id",
            big,
        )
        second = await conn.fetchval(
            "INSERT INTO quiz_results (user_id, instrument, answers, scores, vector, started_at) "
            "VALUES ($1, 'klimov', '[]', '{}', '{}', 'x') RETURNING id",
            big,
        )
        assert second == first + 1
        created = await conn.fetchval("SELECT created_at FROM users WHERE id = $1", big)
        assert ISO_UTC.match(created), created
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute("UPDATE users SET role = 'teacher' WHERE id = $1", big)
        # A broadcast recipient may be `skipped` since 0008.
        await conn.execute(
            "INSERT INTO broadcasts (admin_id, source_chat_id, source_message_id, audience, "
            "status) VALUES ($1, $1, 1, '{}', 'running')",
            big,
        )
        await conn.execute(
            "INSERT INTO broadcast_recipients (broadcast_id, user_id, status) "
            "SELECT id, $1, 'skipped' FROM broadcasts",
            big,
        )
        # The search tables index the stemmed words themselves.
        await conn.execute(
            "INSERT INTO search_programs (ref, body) VALUES ('p1', 'сварщик сварк металл'), "
            "('p2', 'повар кухн')"
        )
        found = await conn.fetch(
            "SELECT ref FROM search_programs WHERE tsv @@ to_tsquery('simple', $1) "
            "ORDER BY ts_rank(tsv, to_tsquery('simple', $1)) DESC",
            "сварк & металл",
        )
        assert [row["ref"] for row in found] == ["p1"]
    finally:
        await conn.close()


async def test_data_moves_as_in_sqlite(pg_url: str) -> None:
    """0007 queues undelivered applications and 0008 remembers admins' chats and keeps the
    recipients, 0012 flags older applications: with rows present before them."""
    await apply(pg_url, PG_FILES[:6])
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute(
            "INSERT INTO leads (user_id, program_id, program_title, phone, delivered) VALUES "
            "(1, 'a', 'A', '+70000000001', 0), (1, 'b', 'B', '+70000000001', 1)"
        )
        await conn.execute("INSERT INTO audit_log (admin_id, action) VALUES (11, 'x'), (12, 'y')")
        await conn.execute(
            "INSERT INTO broadcasts (admin_id, source_chat_id, source_message_id, audience, "
            "status) VALUES (12, 12, 1, '{}', 'done'), (13, 13, 1, '{}', 'done')"
        )
        await conn.execute(
            "INSERT INTO broadcast_recipients (broadcast_id, user_id, status, attempts) "
            "SELECT id, 5, 'sent', 1 FROM broadcasts"
        )
    finally:
        await conn.close()
    await apply(pg_url, PG_FILES[6:])
    conn = await asyncpg.connect(pg_url)
    try:
        jobs = await conn.fetch(
            "SELECT l.program_id, o.kind, o.status FROM lead_outbox o JOIN leads l "
            "ON l.id = o.lead_id"
        )
        assert [tuple(job) for job in jobs] == [("a", "lead", "pending")]
        delivered = await conn.fetch(
            "SELECT program_id, applied_at = created_at AS same, delivered_at IS NOT NULL AS d, "
            "flagged_at FROM leads ORDER BY program_id"
        )
        assert [(r["program_id"], r["same"], r["d"]) for r in delivered] == [
            ("a", True, False),
            ("b", True, True),
        ]
        assert all(ISO_UTC.match(r["flagged_at"]) for r in delivered)
        chats = await conn.fetch("SELECT chat_id FROM admin_menus ORDER BY chat_id")
        assert [r["chat_id"] for r in chats] == [11, 12, 13]
        recipients = await conn.fetchval(
            "SELECT count(*) FROM broadcast_recipients WHERE status = 'sent' AND attempts = 1"
        )
        assert recipients == 2
        # New rows after rows given with explicit ids would clash; these had none.
        new_id = await conn.fetchval(
            "INSERT INTO audit_log (admin_id, action) VALUES (11, 'z') RETURNING id"
        )
        assert new_id == 3
    finally:
        await conn.close()
