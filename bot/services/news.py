"""News of the centres, only for people who want it: asked once, after the first saved test
result (never pre-ticked), changeable in /settings. Kept with consent only; broadcasts reach
only people who said yes (`storage.broadcasts.REACHABLE`). Messages about a person's own
application or a programme they applied for are not news and are sent regardless."""

from __future__ import annotations

from storage.db import Database
from storage.users import UserRow


async def should_ask(db: Database, user_row: UserRow) -> bool:
    """Right after the first saved result of a person who gave consent and was never asked."""
    if not user_row.has_consent or user_row.news_opt_in is not None:
        return False
    async with db.autocommit() as repos:
        return await repos.results.count(user_row.id) == 1


async def set_news(db: Database, user_id: int, *, wanted: bool) -> bool:
    """False when nothing was kept (no consent)."""
    async with db.autocommit() as repos:
        return await repos.users.set_news_opt_in(user_id, wanted=wanted)


async def wants_news(db: Database, user_id: int) -> bool:
    async with db.autocommit() as repos:
        row = await repos.users.get(user_id)
    return row is not None and row.wants_news
