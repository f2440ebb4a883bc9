"""The database as the bot uses it: schema up to date, reference data loaded, writable."""

from __future__ import annotations

from pathlib import Path

from bot.services.faq import ensure_faq
from bot.services.reference import ensure_reference
from storage.connect import connect, sqlite_url
from storage.db import Database


async def open_database(target: Path | str) -> Database:
    """Open the database (a URL, or the path of a SQLite file, created with its folder),
    migrate, load the packaged reference data, and fail now rather than at the first write
    when it cannot be written."""
    url = target if isinstance(target, str) and "://" in target else sqlite_url(target)
    db = await connect(url, migrate=False)
    try:
        async with db.setting_up():  # processes starting together take turns
            await db.migrate()
            await ensure_reference(db)
            await ensure_faq(db)
        await db.check_writable()
    except BaseException:
        await db.close()
        raise
    return db
