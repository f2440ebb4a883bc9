"""The people behind the bot: where applications and questions go, and which person a
consultant's reply is for."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.config import Settings, SettingsError
from storage.db import Database


def staff_chats(settings: Settings) -> list[int]:
    """Where applications and questions go: the consultant chat, else every admin."""
    if settings.consultant_chat_id is not None:
        return [settings.consultant_chat_id]
    return sorted(settings.admin_ids)


def is_staff_chat(settings: Settings, chat_id: int, chat_type: str, sender_id: int | None) -> bool:
    """Whether a message there may be a consultant answering: the consultant chat, or an
    admin's own chat (the staff chats when there is no consultant chat)."""
    if chat_id == settings.consultant_chat_id and chat_type != "private":
        return True
    return chat_type == "private" and sender_id in settings.admin_ids and chat_id == sender_id


async def is_any_staff_chat(
    db: Database, settings: Settings, chat_id: int, chat_type: str, sender_id: int | None
) -> bool:
    """`is_staff_chat`, or a group bound as a centre's staff chat."""
    if is_staff_chat(settings, chat_id, chat_type, sender_id):
        return True
    if chat_type == "private":
        return False
    async with db.autocommit() as repos:
        return await repos.centres.centre_of_chat(chat_id) is not None


async def check_staff_chat(db: Database, settings: Settings) -> None:
    """SettingsError when CONSULTANT_CHAT_ID is the private chat of a person who uses the bot
    (whose messages would all be taken for staff talk). Admins are refused by the settings."""
    chat_id = settings.consultant_chat_id
    if chat_id is None or chat_id < 0:
        return
    async with db.autocommit() as repos:
        person = await repos.users.get(chat_id)
    if person is not None:
        raise SettingsError(
            f"CONSULTANT_CHAT_ID is invalid (got {chat_id}): it is the private chat of a "
            "person who uses this bot, not a staff group — add the bot to the consultants' "
            "group and use the group's id, which starts with -100."
        )


async def remember_relay(
    db: Database,
    chat_id: int,
    message_ids: Iterable[int],
    user_id: int,
    lead_id: int | None = None,
) -> None:
    """The messages the bot put into a staff chat about a person: a reply to any of them is
    delivered back to that person."""
    async with db.transaction() as tx:
        for message_id in message_ids:
            await tx.relay.remember(chat_id, message_id, user_id, lead_id)


class NoTarget(StrEnum):
    """Why a reply in a staff chat has nobody to go to."""

    forgotten = "forgotten"  # the person deleted their data (/forget)
    unknown = "unknown"  # not a message the bot linked to anyone


@dataclass(frozen=True, slots=True)
class RelayTarget:
    user_id: int | None
    missing: NoTarget | None = None


async def relay_target(db: Database, chat_id: int, message_id: int) -> RelayTarget:
    """The person a staff-chat message is about, or why there is none."""
    async with db.autocommit() as repos:
        user_id = await repos.relay.target(chat_id, message_id)
        if user_id is not None:
            return RelayTarget(user_id)
        forgotten = await repos.relay.was_forgotten(chat_id, message_id)
    return RelayTarget(None, NoTarget.forgotten if forgotten else NoTarget.unknown)
