"""One-shot commands: `migrate`, `catalogue import|export` and `export`. Each opens the
database, does its work, prints one line per result and closes it."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.domain.catalogue_files import FileKind
from bot.services.catalogue_files import ImportReport, export_programs, import_programs
from bot.services.database import open_database
from bot.services.exports import export_all


async def run_migrate(settings: Settings) -> None:
    db = await open_database(settings.database)
    try:
        version = await db.schema_version()
    finally:
        await db.close()
    print(f"Database {db.describe()} is at schema version {version}.")


async def run_catalogue(settings: Settings, action: str, path: Path, *, replace: bool) -> int:
    db = await open_database(settings.database)
    try:
        if action == "export":
            kind = FileKind.xlsx if path.suffix.lower() == ".xlsx" else FileKind.csv
            data, count = await export_programs(db, kind)
            path.write_bytes(data)
            print(f"Exported {count} programmes to {path}.")
            return 0
        report = await import_programs(db, path.name, path.read_bytes(), replace=replace)
    finally:
        await db.close()
    print(import_report_text(report, path.name))
    return 0 if report.ok else 1


async def run_export(settings: Settings, folder: Path) -> None:
    db = await open_database(settings.database)
    try:
        files = await export_all(db)
    finally:
        await db.close()
    folder.mkdir(parents=True, exist_ok=True)
    for file in files:
        path = folder / file.filename
        path.write_bytes(file.content)
        print(f"{path}: {file.rows} rows")


def import_report_text(report: ImportReport, name: str) -> str:
    problems = report.file_errors
    if problems:
        return f"{name}: nothing imported: " + "; ".join(p.describe() for p in problems) + "."
    if report.result.errors:
        lines = [f"{name}: nothing imported, {len(report.result.errors)} problems:"]
        lines += [f"  row {e.row}: {e.message}" for e in report.result.errors]
        return "\n".join(lines)
    if not report.result.programs:
        return f"{name}: the file has no programmes; nothing imported."
    removed = f", {report.removed} removed" if report.replace else ""
    return (
        f"{name}: imported {len(report.result.programs)} programmes "
        f"({report.added} new, {report.updated} updated{removed})."
    )
