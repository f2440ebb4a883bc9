"""The FAQ as the bot keeps it: seeded from the packaged file, replaced by admins' imports
(all or nothing, audited), exported as CSV or XLSX."""

from __future__ import annotations

import asyncio
import hashlib
import io
from dataclasses import dataclass

from bot.domain.catalogue import packaged_text
from bot.domain.catalogue_files import FileKind
from bot.domain.faq import (
    FaqEntry,
    FaqRead,
    Issue,
    RowError,
    faq_table,
    load_faq,
    read_faq_csv,
    read_faq_rows,
)
from bot.domain.spreadsheets import write_csv, write_xlsx
from storage.db import Database
from storage.faq import FaqRepo

SEEDED = "faq_seeded"  # the hash of the packaged file last loaded
CUSTOM = "faq_custom"  # '1' once an admin imported a list: the packaged one no longer applies
VERSION = "faq_version"  # changes with every change of the list: the search index follows it
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000


def packaged_version() -> str:
    return hashlib.sha256(packaged_text("faq.csv").encode()).hexdigest()[:16]


async def ensure_faq(db: Database) -> None:
    """Load the packaged FAQ when it changed, unless an admin's list replaced it."""
    version = packaged_version()
    async with db.transaction() as tx:
        if await tx.faq.meta(CUSTOM) == "1" or await tx.faq.meta(SEEDED) == version:
            return
        await tx.faq.replace(load_faq())
        await tx.faq.set_meta(SEEDED, version)
        await _bump(tx.faq)


async def _bump(repo: FaqRepo) -> None:
    current = await repo.meta(VERSION)
    await repo.set_meta(VERSION, str(int(current or "0") + 1))


async def faq_version(db: Database) -> str:
    async with db.autocommit() as repos:
        return await repos.faq.meta(VERSION) or "0"


async def faq_entries(db: Database) -> list[FaqEntry]:
    async with db.autocommit() as repos:
        return await repos.faq.all()


async def faq_entry(db: Database, entry_id: str) -> FaqEntry | None:
    async with db.autocommit() as repos:
        return await repos.faq.get(entry_id)


def _read_xlsx(data: bytes) -> FaqRead:
    import openpyxl  # noqa: PLC0415  (8 MB and a third of a second of start-up: when used)

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        return FaqRead((), (RowError(1, "", Issue.not_xlsx),))
    try:
        sheet = book.worksheets[0]
        rows = []
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS + 1:
                return FaqRead((), (RowError(number, "", Issue.too_many, str(MAX_ROWS)),))
            rows.append(["" if v is None else str(v) for v in row])
    finally:
        book.close()
    if not rows:
        return FaqRead((), (RowError(1, "id", Issue.no_rows),))
    return read_faq_rows(rows[0], rows[1:])


def read_faq_file(filename: str, data: bytes) -> FaqRead:
    if len(data) > MAX_FILE_BYTES:
        return FaqRead((), (RowError(1, "", Issue.too_big),))
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        return _read_xlsx(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return FaqRead((), (RowError(1, "", Issue.not_utf8),))
    return read_faq_csv(text)


@dataclass(frozen=True, slots=True)
class FaqImport:
    read: FaqRead
    before: int = 0


async def import_faq(db: Database, admin_id: int, filename: str, data: bytes) -> FaqImport:
    """Replace the whole FAQ with a file's, or nothing when a single row is bad."""
    read = await asyncio.to_thread(read_faq_file, filename, data)
    async with db.transaction() as tx:
        before = await tx.faq.count()
        if read.ok:
            await tx.faq.replace(read.entries)
            await tx.faq.set_meta(CUSTOM, "1")
            await _bump(tx.faq)
        outcome = (
            f"{len(read.entries)} questions" if read.ok else f"refused, {len(read.errors)} errors"
        )
        await tx.audit.record(admin_id, "faq.import", f"{filename[:100]}: {outcome}")
    return FaqImport(read, before)


async def export_faq(db: Database, admin_id: int, kind: FileKind) -> bytes:
    async with db.transaction() as tx:
        entries = await tx.faq.all()
        await tx.audit.record(admin_id, "faq.export", f"{len(entries)} questions, {kind.value}")
    table = faq_table(entries)
    return write_xlsx(table) if kind is FileKind.xlsx else write_csv(table)
