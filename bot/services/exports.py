"""The admins' data export: people, test results and applications, each as XLSX and CSV
(written the way Russian Excel reads them, like catalogue files)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.domain.spreadsheets import Table, write_csv, write_xlsx
from storage.db import Database


@dataclass(frozen=True, slots=True)
class ExportFile:
    filename: str
    content: bytes
    rows: int


async def export_all(db: Database) -> list[ExportFile]:
    """Every table as XLSX and CSV, read in one unit of work and written in a thread
    (a large XLSX takes seconds of CPU)."""
    async with db.transaction() as tx:
        tables = await tx.exports.tables()
    return await asyncio.to_thread(render_files, tables)


def render_files(tables: list[Table]) -> list[ExportFile]:
    files = []
    for table in tables:
        files.append(ExportFile(f"{table.name}.xlsx", write_xlsx(table), len(table.rows)))
        files.append(ExportFile(f"{table.name}.csv", write_csv(table), len(table.rows)))
    return files


CENTRE_LEAD_HEADERS = (
    "id",
    "applied_at",
    "program_id",
    "program_title",
    "name",
    "phone",
    "username",
    "quiz_code",
    "status",
    "stage",
    "stage_reason",
    "delivered_at",
    "contacted_at",
)


async def export_centre_leads(db: Database, center_id: str) -> list[ExportFile]:
    """One centre's applications, as XLSX and CSV (the first file's `rows` is the count)."""
    async with db.autocommit() as repos:
        rows = await repos.centres.leads_of(center_id)
    table = Table("applications", CENTRE_LEAD_HEADERS, rows)  # type: ignore[arg-type]
    return await asyncio.to_thread(render_files, [table])
