"""Loading the packaged reference data (regions, centers, programs) into the database.

Regions and centers are refreshed whenever the packaged files change. The packaged programs
(real titles and the flagged samples) are upserted with them, until an administrator
replaces the whole program list by an import: from then on the list is theirs.
"""

from __future__ import annotations

import hashlib

from bot.domain.catalogue import load_centers, load_regions, packaged_program_files, packaged_text
from bot.domain.catalogue_files import FileKind, read_programs
from storage.db import Database

REFERENCE_VERSION = "reference_version"
PACKAGED_PROGRAMS = "packaged_programs"  # 'off' after an import with --replace
_FILES = ("regions.csv", "centers.csv", *packaged_program_files())


def reference_version() -> str:
    digest = hashlib.sha256()
    for name in _FILES:
        digest.update(packaged_text(name).encode())
    return digest.hexdigest()[:16]


async def ensure_reference(db: Database) -> None:
    version = reference_version()
    async with db.transaction() as tx:
        if await tx.catalogue.meta(REFERENCE_VERSION) == version:
            return
        regions = load_regions()
        centers = load_centers()
        await tx.catalogue.upsert_regions(regions)
        await tx.catalogue.upsert_centers(centers)
        if await tx.catalogue.meta(PACKAGED_PROGRAMS) != "off":
            center_regions = {c.id: c.region_slug for c in centers}
            slugs = {r.slug for r in regions}
            for name in packaged_program_files():
                data = packaged_text(name).encode()
                result = read_programs(
                    data, FileKind.csv, center_regions=center_regions, region_slugs=slugs
                )
                if not result.ok:
                    problems = [
                        *(p.describe() for p in result.file_errors),
                        *(e.message for e in result.errors[:3]),
                    ]
                    raise RuntimeError(f"packaged {name} is invalid: {problems}")
                await tx.catalogue.upsert_programs(result.programs)
        await tx.catalogue.set_meta(REFERENCE_VERSION, version)
