"""One-shot commands: `migrate`, `copy-db`, `catalogue import|export` and `export`. Each opens
the database, does its work, prints one line per result and closes it."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.config import Settings
from bot.domain.catalogue_files import FileKind
from bot.services.catalogue_files import ImportReport, export_programs, import_programs
from bot.services.database import open_database
from bot.services.exports import export_all
from storage.connect import check_url, connect, is_postgres, sqlite_path
from storage.copy import CopyRefused, CopyReport, copy_database
from storage.db import Database, without_password


async def run_migrate(settings: Settings) -> None:
    db = await open_database(settings.database)
    try:
        version = await db.schema_version()
    finally:
        await db.close()
    print(f"Database {db.describe()} is at schema version {version}.")


async def run_copy_db(source_url: str, target_url: str, *, replace: bool) -> int:
    """Copy every table from one database into another (`python -m bot copy-db`): 0 when
    every table has as many rows on both sides afterwards, 1 when the copy was refused, failed
    (and was rolled back) or the counts differ."""
    try:
        check_url(source_url)
        check_url(target_url)
    except ValueError as error:
        print(f"{error}.".replace("DATABASE_URL", "--from and --to"), file=sys.stderr)
        return 1
    if not is_postgres(source_url) and not sqlite_path(source_url).is_file():
        print(f"There is no database file at {sqlite_path(source_url)}.", file=sys.stderr)
        return 1
    opened: list[Database] = []
    try:
        for url in (source_url, target_url):
            try:
                # Brought to this bot's schema version; the reference data comes from the source.
                opened.append(await connect(url))
            except Exception as error:  # the database's own error, never a traceback
                print(f"{without_password(url)} cannot be opened: {_why(error)}.", file=sys.stderr)
                return 1
        source, target = opened
        print(f"Copying {source.describe()} to {target.describe()}…", flush=True)
        try:
            report = await copy_database(source, target, replace=replace)
        except CopyRefused as refused:
            print(refused, file=sys.stderr)
            return 1
        except Exception as error:
            print(
                f"The copy failed and was rolled back, the target holds what it held before: "
                f"{_why(error)}.",
                file=sys.stderr,
            )
            return 1
    finally:
        for db in opened:
            await db.close()
    print(copy_report_text(report))
    return 0 if report.ok else 1


def copy_report_text(report: CopyReport) -> str:
    width = max((len(t.name) for t in report.tables), default=0)
    lines = [
        f"{t.name:<{width}}  {t.source:>9} → {t.target:<9} {'ok' if t.ok else 'DIFFERENT'}"
        for t in sorted(report.tables, key=lambda t: t.name)
    ]
    if report.ok:
        lines.append(f"Copied {len(report.tables)} tables, {report.rows} rows: all counts match.")
    else:
        wrong = ", ".join(t.name for t in report.tables if not t.ok)
        lines.append(
            f"The row counts differ in {wrong}: was a bot still writing to the source? "
            "Stop it and copy again with --replace."
        )
    return "\n".join(lines)


def _why(error: Exception) -> str:
    return f"{type(error).__name__}: {str(error).rstrip('.')}"


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
