"""Catalogue import and export as whole operations, shared by the command line and the bot.

An import is all or nothing: the file is validated completely first (in a child process with
hard limits, see `catalogue_reader`), and only a file without a single bad row is written, in
one transaction.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from dataclasses import replace as with_changes

from bot.domain.catalogue_files import (
    MAX_FILE_BYTES,
    FileKind,
    FileLimits,
    FileProblem,
    ImportResult,
    RowError,
    write_programs,
)
from bot.services.catalogue_reader import read_catalogue_file
from bot.services.reference import PACKAGED_PROGRAMS
from storage.db import Database

__all__ = ["MAX_FILE_BYTES", "ImportReport", "export_programs", "import_programs"]


@dataclass(frozen=True, slots=True)
class ImportReport:
    result: ImportResult
    replace: bool
    added: int = 0
    updated: int = 0
    removed: int = 0

    @property
    def ok(self) -> bool:
        return self.result.ok

    @property
    def file_errors(self) -> list[FileProblem]:
        return self.result.file_errors


def _foreign_rows(
    result: ImportResult, centre: str, owners: dict[str, str | None]
) -> list[RowError]:
    """Rows a centre admin may not import: another centre's (or an online) programme, or
    an id that is another centre's programme already."""
    errors = []
    for program, row in zip(result.programs, result.rows, strict=False):
        if program.center_id != centre:
            errors.append(
                RowError(row, "center_id", f"Код центра: можно только ваш центр ({centre})")
            )
        elif program.id in owners and owners[program.id] != centre:
            errors.append(RowError(row, "id", f"Код {program.id}: это программа другого центра"))
    return errors


async def import_programs(
    db: Database,
    filename: str,
    data: bytes,
    *,
    replace: bool = False,
    limits: FileLimits = FileLimits(),  # noqa: B008 - frozen
    centre: str | None = None,
) -> ImportReport:
    """`centre`: a centre admin's import — every row must be that centre's own programme
    (else nothing is imported, and the report names the rows), and «replace» replaces only
    that centre's programmes."""
    async with db.autocommit() as repos:
        center_regions = await repos.catalogue.center_regions()
        region_slugs = {r.slug for r in await repos.catalogue.regions()}
    result = await read_catalogue_file(
        filename, data, center_regions=center_regions, region_slugs=region_slugs, limits=limits
    )
    if not result.ok:
        return ImportReport(result, replace)
    if centre is not None:
        async with db.autocommit() as repos:
            owners = await repos.centres.programme_owners([p.id for p in result.programs])
        foreign = _foreign_rows(result, centre, owners)
        if foreign:
            return ImportReport(with_changes(result, errors=foreign), replace)
    async with db.transaction() as tx:
        before = await tx.catalogue.program_ids()
        incoming = {p.id for p in result.programs}
        removed = 0
        if centre is not None:
            if replace:
                removed = await tx.centres.delete_programmes_except(centre, incoming)
        elif replace:
            await tx.catalogue.delete_all_programs()
            # The list is the admin's now: packaged programs are not added back on upgrade.
            await tx.catalogue.set_meta(PACKAGED_PROGRAMS, "off")
            removed = len(before - incoming)
        await tx.catalogue.upsert_programs(result.programs)
    return ImportReport(
        result,
        replace,
        added=len(incoming - before),
        updated=len(incoming & before),
        removed=removed,
    )


async def export_programs(
    db: Database, kind: FileKind, centre: str | None = None
) -> tuple[bytes, int]:
    """Every programme, or only one centre's (`centre`)."""
    async with db.autocommit() as repos:
        programs = await repos.catalogue.all_programs()
    if centre is not None:
        programs = [p for p in programs if p.center_id == centre]
    # Writing 20,000 rows takes seconds: in a thread, so the loop keeps answering people.
    return await asyncio.to_thread(write_programs, programs, kind), len(programs)
