"""The people behind the bot: where applications and questions go, and which person a
consultant's reply is for."""

from __future__ import annotations

from collections.abc import Iterable

from bot.config import Settings
from storage.db import Database


def staff_chats(settings: Settings) -> list[int]:
    """Where applications and questions go: the consultant chat, else every admin."""
    if settings.consultant_chat_id is not None:
        return [settings.consultant_chat_id]
    return sorted(settings.admin_ids)


async def remember_relay(
    db: Database, chat_id: int, message_ids: Iterable[int], user_id: int
) -> None:
    """The messages copied into a staff chat from a person: a reply to any of them is
    delivered back to that person."""
    async with db.transaction() as tx:
        for message_id in message_ids:
            await tx.relay.remember(chat_id, message_id, user_id)


async def relay_target(db: Database, chat_id: int, message_id: int) -> int | None:
    """The person whose copied message this is, if any."""
    async with db.autocommit() as repos:
        return await repos.relay.target(chat_id, message_id)
