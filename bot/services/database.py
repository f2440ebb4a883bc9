"""The database as the bot uses it: schema up to date, reference data loaded, writable."""

from __future__ import annotations

from pathlib import Path

from bot.services.faq import ensure_faq
from bot.services.reference import ensure_reference
from storage.db import Database


async def open_database(path: Path | str) -> Database:
    """Open (creating the file and its folder), migrate, load the packaged reference data,
    and fail now rather than at the first write when the file cannot be written."""
    db = await Database.open(path, migrate=False)
    try:
        await db.migrate()
        await ensure_reference(db)
        await ensure_faq(db)
        await db.check_writable()
    except BaseException:
        await db.close()
        raise
    return db
