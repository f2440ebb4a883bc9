"""`python -m bot copy-db`: every table copied between SQLite and PostgreSQL, row for row, in
one transaction on the target, with the row counts compared afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.__main__ import main
from bot.runtime.offline import ChatSimulator
from bot.services.database import open_database
from bot.services.free_text import FreeText
from storage import copy as copy_module
from storage.broadcasts import Segment
from storage.connect import connect, sqlite_url
from storage.copy import CopyRefused, copy_database, read_schema
from storage.db import Database
from storage.sql import Dialect
from tests.support.chat import MakeClient, onboard, save_adult_result
from tests.support.postgres import database_url, drop_database, fresh_database, postgres_url
from tests.support.sql import execute, query


async def fill(db: Database, make_client: MakeClient) -> None:
    """A database as a running bot leaves it: people who went through the bot (users, their
    conversation state), test results, applications with their outbox jobs, a broadcast
    half sent, reminders, a class with a member and a shared result, a link, centre staff,
    a lease, the audit log and the search index."""
    anya: ChatSimulator = await make_client(1001, "Аня")
    await onboard(anya, role="Ищу работу")
    boris = await make_client(1002, "Борис")
    await onboard(boris, role="Учусь в школе")
    await make_client(1003, "Вера")
    scores = {"R": 10, "I": 14, "A": 5, "S": 8, "E": 3, "C": 7}
    await save_adult_result(db, 1001, scores, "IRC", "2026-11-30T10:00:00Z")
    await save_adult_result(db, 1001, scores, "IRS", "2026-11-30T11:00:00Z")
    async with db.transaction() as tx:
        lead, _ = await tx.leads.apply(
            user_id=1001,
            program_id="sample-041",
            center_id=None,
            program_title="Оператор «ЧПУ» — пример",
            name="Аня",
            username=None,
            phone="+7 900 000-00-00",
            quiz_code="IRS",
        )
        await tx.outbox.add(
            lead_id=lead.id, user_id=1001, kind="lead", due_at=1.5e9, claimed_by=None
        )
        # A conversation in the middle of a test, as the FSM storage writes it.
        await tx.fsm.put_rows(
            [("1002:1002", 1002, 1002, "Quiz:question", '{"answers": [1, 2], "имя": "Борис"}')]
        )
        await tx.users.set_news_opt_in(1001, wanted=True)
        await tx.users.set_news_opt_in(1002, wanted=True)
        broadcast = await tx.broadcasts.create(
            admin_id=42, source_chat_id=42, source_message_id=7, segment=Segment("all")
        )
        await tx.broadcasts.record(broadcast.id, 1001, "sent")
        await tx.reminders.schedule(1002, "quiz_paused", "2026-12-01T09:00:00Z")
        await tx.links.create("fair-2026", "Ярмарка профессий", 42)
        school = await tx.classes.create("ABC123", "9 «Б»", 1002)
        await tx.classes.join(1001, school.id)
        result = await tx.results.latest(1001)
        assert result is not None
        await tx.classes.share("token-1", 1001, result.id)
        await tx.audit.record(42, "broadcast", "всем")
        await tx.admin_menus.remember(42)
        await tx.leases.acquire("workers", "host-1", now=time.time(), seconds=30)
        await tx.centres.add_code("BIND42", "copp-tula-oblast", 42, time.time() + 600)
    search = FreeText.packaged()
    await search.refresh(db, force=True)
    await search.refresh_programs(db)


async def tables(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted (each side's own order of text may differ)."""
    async with db.autocommit() as repos:
        schema = await read_schema(db, repos)
    found = {}
    for name, table in schema.items():
        columns = ", ".join(f'"{c}"' for c in table.columns)
        rows = await query(db, f'SELECT {columns} FROM "{name}"')
        found[name] = sorted(rows, key=repr)
    return found


@contextlib.asynccontextmanager
async def opened(url: str) -> AsyncIterator[Database]:
    db = await connect(url)
    try:
        yield db
    finally:
        await db.close()


@contextlib.asynccontextmanager
async def another(dialect: Dialect, folder: Path, name: str) -> AsyncIterator[str]:
    """The URL of a new empty database of this kind."""
    if dialect is Dialect.sqlite:
        yield sqlite_url(folder / f"{name}.sqlite3")
        return
    server = postgres_url()
    if server is None:
        pytest.skip("no PostgreSQL server")
    url = await fresh_database(server)
    try:
        yield url
    finally:
        await drop_database(url, server)


def other(dialect: Dialect) -> Dialect:
    return Dialect.sqlite if dialect is Dialect.postgresql else Dialect.postgresql


async def test_a_copy_there_and_back_holds_every_row(
    db: Database, make_client: MakeClient, tmp_path: Path
) -> None:
    await fill(db, make_client)
    original = await tables(db)
    expected = (
        *("users", "fsm_state", "quiz_results", "leads", "lead_outbox", "broadcasts"),
        *("broadcast_recipients", "reminders", "classes", "class_members", "shared_results"),
        *("links", "audit_log", "leases", "centre_bind_codes", "admin_menus"),
        *("search_phrases", "search_programs", "programs", "centers", "faq"),
    )
    assert [t for t in expected if not original[t]] == []
    async with (
        another(other(db.dialect), tmp_path, "there") as there_url,
        another(db.dialect, tmp_path, "back") as back_url,
        opened(there_url) as there,
        opened(back_url) as back,
    ):
        report = await copy_database(db, there)
        assert report.ok and report.rows == sum(len(rows) for rows in original.values())
        assert {t.name for t in report.tables} == set(original)
        assert await tables(there) == original
        assert (await copy_database(there, back)).ok
        assert await tables(back) == original

        # The bot finds the same in the copied search index, without rebuilding it.
        search = FreeText.packaged()
        assert await search.search_programs(back, "оператор") == await search.search_programs(
            db, "оператор"
        )
        assert await search.search_programs(back, "оператор")
        # New rows take ids after the copied ones.
        async with there.transaction() as tx:
            lead, _ = await tx.leads.apply(
                user_id=1002,
                program_id="sample-041",
                center_id=None,
                program_title="Пример",
                name=None,
                username=None,
                phone="+7 900 000-00-01",
                quiz_code=None,
            )
            result_id = await tx.results.add(
                user_id=1002,
                instrument="riasec",
                answers=[1],
                scores={"R": 1},
                code="R",
                vector={"R": 0.1},
                started_at="2026-11-30T12:00:00Z",
            )
        assert lead.id > max(row[0] for row in original["leads"])
        assert result_id > max(row[0] for row in original["quiz_results"])


async def test_a_target_with_data_is_refused_unless_replaced(
    db: Database, make_client: MakeClient, tmp_path: Path
) -> None:
    await fill(db, make_client)
    async with another(other(db.dialect), tmp_path, "there") as url, opened(url) as there:
        assert (await copy_database(db, there)).ok
        await execute(db, "UPDATE users SET first_name = 'Анна' WHERE id = 1001")
        with pytest.raises(CopyRefused, match=r"already holds data .*users.*--replace"):
            await copy_database(db, there)
        assert await query(there, "SELECT first_name FROM users WHERE id = 1001") == [("Аня",)]
        assert (await copy_database(db, there, replace=True)).ok
        assert await query(there, "SELECT first_name FROM users WHERE id = 1001") == [("Анна",)]
        assert await tables(there) == await tables(db)


async def test_reference_data_alone_is_replaced_without_asking(
    db: Database, make_client: MakeClient, tmp_path: Path
) -> None:
    """A target made by `python -m bot migrate` holds the packaged reference data only."""
    await fill(db, make_client)
    async with another(other(db.dialect), tmp_path, "there") as url:
        await (await open_database(url)).close()
        async with opened(url) as there:
            assert (await copy_database(db, there)).ok
            assert await tables(there) == await tables(db)


async def test_a_failed_copy_leaves_the_target_as_it_was(
    db: Database, make_client: MakeClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tables up to and with the people written when the copy breaks off: the target holds
    none of them."""
    await fill(db, make_client)
    real = copy_module._copy_table
    written: list[str] = []

    async def breaking(*args: Any) -> None:
        if "users" in written:
            raise RuntimeError("the connection was lost")
        await real(*args)
        written.append(args[2].name)

    monkeypatch.setattr(copy_module, "_copy_table", breaking)
    async with another(other(db.dialect), tmp_path, "there") as url, opened(url) as there:
        with pytest.raises(RuntimeError, match="the connection was lost"):
            await copy_database(db, there)
        assert "users" in written and len(written) > 1
        assert all(rows == [] for rows in (await tables(there)).values())


async def test_a_row_the_target_cannot_store_stops_the_copy(
    db: Database, make_client: MakeClient, tmp_path: Path
) -> None:
    if db.dialect is not Dialect.sqlite:
        pytest.skip("only SQLite stores a NUL character in text")
    await fill(db, make_client)
    await execute(db, "UPDATE users SET first_name = ? WHERE id = 1002", "Бо\x00рис")
    async with another(Dialect.postgresql, tmp_path, "there") as url, opened(url) as there:
        with pytest.raises(Exception, match="0x00"):
            await copy_database(db, there)
        assert all(rows == [] for rows in (await tables(there)).values())


def test_the_command_copies_and_prints_a_line_per_table(
    clean_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = postgres_url()
    if server is None:
        pytest.skip("no PostgreSQL server")
    source = sqlite_url(tmp_path / "bot.sqlite3")

    async def prepare() -> str:
        db = await open_database(source)
        async with db.transaction() as tx:
            await tx.users.ensure(1001)
        await db.close()
        return await fresh_database(server)

    target = asyncio.run(prepare())
    try:
        assert main(["copy-db", "--from", source, "--to", target]) == 0
        out = capsys.readouterr().out
        assert "users" in out and "1 → 1" in out.replace("  ", " ").replace("  ", " ")
        assert out.rstrip().endswith("all counts match.")
        assert main(["copy-db", "--from", source, "--to", target]) == 1
        assert "--replace" in capsys.readouterr().err
        assert main(["copy-db", "--from", source, "--to", target, "--replace"]) == 0
        assert main(["copy-db", "--from", target, "--to", source]) == 1  # users there too
        missing = sqlite_url(tmp_path / "typo.sqlite3")
        assert main(["copy-db", "--from", missing, "--to", target]) == 1
        assert "There is no database file" in capsys.readouterr().err
        assert not (tmp_path / "typo.sqlite3").exists()
        assert main(["copy-db", "--from", source, "--to", "mysql://x"]) == 1
        same = sqlite_url(Path("..") / tmp_path.name / "bot.sqlite3")
        assert main(["copy-db", "--from", source, "--to", same]) == 1
        assert "the same database" in capsys.readouterr().err
    finally:
        asyncio.run(drop_database(target, server))


def test_migrate_prints_where_the_database_is(
    clean_env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = postgres_url()
    if server is None:
        pytest.skip("no PostgreSQL server")
    target = asyncio.run(fresh_database(server))
    try:
        monkeypatch.setenv("DATABASE_URL", target)
        assert main(["migrate"]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"Database {target} is at schema version ")
        monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path / "x.sqlite3"))
        assert main(["migrate"]) == 0
        assert "x.sqlite3 is at schema version" in capsys.readouterr().out
        # A server that cannot be used: one sentence naming DATABASE_URL, no password shown.
        parts = urlsplit(database_url(target, "absent"))
        host = parts.netloc.rsplit("@", 1)[-1]
        missing = urlunsplit(
            parts._replace(netloc=f"{parts.username or 'postgres'}:secret@{host}")
        )
        monkeypatch.setenv("DATABASE_URL", missing)
        assert main(["migrate"]) == 2
        error = capsys.readouterr().err
        assert error.startswith("The database at DATABASE_URL (postgresql://")
        assert ":***@" in error
        assert "secret" not in error and "does not exist" in error and error.count("\n") == 1
    finally:
        asyncio.run(drop_database(target, server))
