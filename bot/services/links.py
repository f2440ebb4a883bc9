"""Named deep links for schools, fairs and posters (`t.me/<bot>?start=<code>`), and how many
people came by each. Creating one is written to the audit log."""

from __future__ import annotations

import secrets

from storage.db import Database
from storage.links import LinkRow, LinkStats

NAME_MAX = 60
# Payload prefixes with a meaning of their own: a class, a shared result.
CLASS_PREFIX = "c_"
RESULT_PREFIX = "r_"
LINK_PREFIX = "l_"


def new_code(prefix: str, random_bytes: int = 9) -> str:
    """`prefix` and 72 random bits (12 characters of [A-Za-z0-9_-]): at most 64 characters,
    as Telegram allows for a start payload, and not guessable."""
    return prefix + secrets.token_urlsafe(random_bytes)


def clean_name(text: str) -> str | None:
    """A link's or a class's name as typed: one line, not empty, at most NAME_MAX characters."""
    name = " ".join(text.split())
    return name if 0 < len(name) <= NAME_MAX else None


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


async def create(db: Database, admin_id: int, name: str) -> LinkRow:
    async with db.transaction() as tx:
        row = await tx.links.create(new_code(LINK_PREFIX), name, admin_id)
        await tx.audit.record(admin_id, "link.created", f"{row.code} {name}")
    return row


async def all_links(db: Database) -> list[LinkRow]:
    async with db.autocommit() as repos:
        return await repos.links.all()


async def names(db: Database) -> dict[str, str]:
    """Link code → the name it was created with."""
    return {row.code: row.name for row in await all_links(db)}


async def stats(db: Database, limit: int = 30) -> list[LinkStats]:
    async with db.autocommit() as repos:
        return await repos.links.stats(limit)
