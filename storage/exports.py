"""Data exports for admins, as XLSX and CSV: people, test results and applications.

People who have not given consent (or withdrew it) are exported with their id, language and
first contact only: that is all the bot may keep about them, so the query never reads more.
Test results are likewise exported only for people who still give consent. Applications
carry the contacts each person agreed to pass on when applying.

CSV is written the way Russian Excel reads it (UTF-8 with BOM, `;`), like catalogue files.
Text that a spreadsheet would run as a formula gets Excel's own apostrophe prefix.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from dataclasses import dataclass
from typing import Any

import aiosqlite
import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from storage.db import Database

Cell = str | int | float | None

# What Excel and LibreOffice treat as the start of a formula, and what they strip before it.
_FORMULA_START = frozenset("=+-@\t\r")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MAX_WIDTH = 50

SCORE_TYPES = ("R", "I", "A", "S", "E", "C", "nature", "tech", "people", "signs", "art")


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    headers: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


@dataclass(frozen=True, slots=True)
class ExportFile:
    filename: str
    content: bytes
    rows: int


_PEOPLE = (
    "id",
    "locale",
    "created_at",
    "consent_given_at",
    "first_name",
    "last_name",
    "username",
    "role",
    "region_slug",
    "region",
    "source",
    "last_seen_at",
    "is_blocked",
)
_CONSENTED_ONLY = _PEOPLE[4:]


class ExportsRepo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def tables(self) -> list[Table]:
        return [await self.people(), await self.results(), await self.applications()]

    async def people(self) -> Table:
        column = {"region": "r.name_ru"}
        guarded = ", ".join(
            f"CASE WHEN u.consent_given_at IS NOT NULL THEN {column.get(name, 'u.' + name)} END"
            for name in _CONSENTED_ONLY
        )
        rows = await self._conn.execute_fetchall(
            f"SELECT u.id, u.locale, u.created_at, u.consent_given_at, {guarded} "
            "FROM users AS u LEFT JOIN regions AS r ON r.slug = u.region_slug ORDER BY u.id"
        )
        return Table("people", _PEOPLE, [tuple(row) for row in rows])

    async def results(self) -> Table:
        rows = await self._conn.execute_fetchall(
            "SELECT r.id, r.user_id, r.instrument, r.code, r.scores, r.started_at, "
            "r.finished_at FROM quiz_results AS r JOIN users AS u ON u.id = r.user_id "
            "WHERE u.consent_given_at IS NOT NULL ORDER BY r.id"
        )
        out: list[tuple[Cell, ...]] = []
        for rid, user_id, instrument, code, scores, started, finished in rows:
            by_type: dict[str, Any] = json.loads(scores)
            values = tuple(by_type.get(t) for t in SCORE_TYPES)
            out.append((rid, user_id, instrument, code, *values, started, finished))
        headers = ("id", "user_id", "instrument", "code", *SCORE_TYPES)
        return Table("results", (*headers, "started_at", "finished_at"), out)

    async def applications(self) -> Table:
        headers = (
            "id",
            "created_at",
            "user_id",
            "program_id",
            "program_title",
            "center_id",
            "name",
            "phone",
            "quiz_code",
            "delivered",
        )
        rows = await self._conn.execute_fetchall(
            f"SELECT {', '.join(headers)} FROM leads ORDER BY id"
        )
        return Table("applications", headers, [tuple(row) for row in rows])


async def export_all(db: Database) -> list[ExportFile]:
    """Every table as XLSX and CSV, read in one unit of work and written in a thread
    (a large XLSX takes seconds of CPU)."""
    async with db.transaction() as tx:
        tables = await ExportsRepo(tx.conn).tables()
    return await asyncio.to_thread(render_files, tables)


def render_files(tables: list[Table]) -> list[ExportFile]:
    files = []
    for table in tables:
        files.append(ExportFile(f"{table.name}.xlsx", write_xlsx(table), len(table.rows)))
        files.append(ExportFile(f"{table.name}.csv", write_csv(table), len(table.rows)))
    return files


def _needs_escape(text: str) -> bool:
    # Apostrophes already there are looked through, so that reading the file back is exact.
    return text.lstrip("'")[:1] in _FORMULA_START


def _csv_value(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if _needs_escape(value) else value
    if isinstance(value, float):
        return repr(value).replace(".", ",")  # decimal comma for Russian Excel
    return str(value)


def write_csv(table: Table) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows([_csv_value(value) for value in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(table: Table) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = table.name
    sheet.append(list(table.headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(header) for header in table.headers]
    for number, row in enumerate(table.rows, start=2):
        for index, value in enumerate(row):
            cell = sheet.cell(row=number, column=index + 1)
            if isinstance(value, str):
                cell.value = _XML_ILLEGAL.sub("", value)
                cell.data_type = "s"  # a string, even when it looks like a formula
                if _needs_escape(value):
                    cell.quotePrefix = True  # how Excel marks text typed after an apostrophe
                widths[index] = max(widths[index], len(value))
            else:
                cell.value = value
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, _MAX_WIDTH)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
