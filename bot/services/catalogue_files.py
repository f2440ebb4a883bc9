"""Catalogue import and export as whole operations, shared by the command line and the bot.

An import is all or nothing: the file is validated completely first, and only a file
without a single bad row is written, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.catalogue_files import (
    FileKind,
    ImportResult,
    detect_kind,
    read_programs,
    write_programs,
)
from bot.services.reference import PACKAGED_PROGRAMS
from storage.db import Database

MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ImportReport:
    result: ImportResult
    replace: bool
    added: int = 0
    updated: int = 0
    removed: int = 0
    file_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and self.result.ok


async def import_programs(
    db: Database, filename: str, data: bytes, *, replace: bool = False
) -> ImportReport:
    empty = ImportResult(programs=[], errors=[], file_errors=[])
    if len(data) > MAX_FILE_BYTES:
        return ImportReport(empty, replace, file_errors=["file is larger than 20 MB"])
    kind = detect_kind(filename, data)
    if kind is None:
        return ImportReport(empty, replace, file_errors=["not a CSV or XLSX file"])
    async with db.autocommit() as repos:
        center_regions = await repos.catalogue.center_regions()
        region_slugs = {r.slug for r in await repos.catalogue.regions()}
    result = read_programs(data, kind, center_regions=center_regions, region_slugs=region_slugs)
    if not result.ok:
        return ImportReport(result, replace)
    async with db.transaction() as tx:
        before = await tx.catalogue.program_ids()
        incoming = {p.id for p in result.programs}
        if replace:
            await tx.catalogue.delete_all_programs()
            # The list is the admin's now: packaged programs are not added back on upgrade.
            await tx.catalogue.set_meta(PACKAGED_PROGRAMS, "off")
        await tx.catalogue.upsert_programs(result.programs)
    return ImportReport(
        result,
        replace,
        added=len(incoming - before),
        updated=len(incoming & before),
        removed=len(before - incoming) if replace else 0,
    )


async def export_programs(db: Database, kind: FileKind) -> tuple[bytes, int]:
    async with db.autocommit() as repos:
        programs = await repos.catalogue.all_programs()
    return write_programs(programs, kind), len(programs)
