"""What the bot knows about a person, kept as consent allows.

With consent, the role, the age band and status, the place, the programme filters and the
deep-link source are profile fields (the user row). Without it they live in the conversation
data only — which /forget and withdrawing consent clear, and which is never exported. The
conversation data is reached through `ConversationData`, which aiogram's `FSMContext`
satisfies, so this module needs no aiogram.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from bot.domain.enrolment import AgeBand, Status
from bot.domain.ranking import FormatChoice, Preferences, StudyLength
from storage.db import Database
from storage.users import ROLES, Role, UserRow


class ConversationData(Protocol):
    """The conversation data of one person (aiogram's `FSMContext` is one)."""

    async def get_data(self) -> dict[str, Any]: ...

    async def set_data(self, data: Mapping[str, Any]) -> None: ...

    async def update_data(
        self, data: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]: ...


class ProfileKey(StrEnum):
    """Keys of the conversation data that stand in for profile fields without consent."""

    role = "role"
    place = "place"
    prefs = "prefs"
    source = "pending_source"  # the deep-link source, recorded once consent is given
    age_band = "age_band"
    status = "status"


@dataclass(frozen=True, slots=True)
class Place:
    region_slug: str
    lat: float
    lon: float
    precision: str  # 'point' (shared location), 'city' (a settlement) or 'region'
    town_id: int | None = None  # the settlement named (GeoNames id), for 'city'


# --- consent -----------------------------------------------------------------------------------


async def remember_source(
    db: Database, user_row: UserRow, conversation: ConversationData, source: str
) -> None:
    """Where the person came from (a deep link): the first source counts."""
    if user_row.has_consent:
        async with db.transaction() as tx:
            await tx.users.set_source_once(user_row.id, source)
    elif user_row.source is None and not (await conversation.get_data()).get(ProfileKey.source):
        await conversation.update_data({ProfileKey.source: source})


async def give_consent(
    db: Database,
    user_id: int,
    conversation: ConversationData,
    *,
    first_name: str | None,
    last_name: str | None,
    username: str | None,
) -> Role | None:
    """Consent given: the names are kept, the pending source and the role move into the
    profile, and the conversation data starts afresh. Returns the role that moved, if any."""
    data = await conversation.get_data()
    role = data.get(ProfileKey.role)
    role = role if role in ROLES else None
    band = _member(AgeBand, data.get(ProfileKey.age_band))
    status = _member(Status, data.get(ProfileKey.status))
    async with db.transaction() as tx:
        await tx.users.give_consent(
            user_id, first_name=first_name, last_name=last_name, username=username
        )
        if pending := data.get(ProfileKey.source):
            await tx.users.set_source_once(user_id, str(pending))
        if role is not None:
            await tx.users.set_role(user_id, role)
        if band is not None:
            await tx.users.set_age_band(user_id, band.value)
        if status is not None:
            await tx.users.set_status(user_id, status.value)
    await conversation.set_data({})
    return role


async def withdraw_consent(db: Database, user_row: UserRow) -> None:
    if user_row.has_consent:
        async with db.transaction() as tx:
            await tx.users.withdraw_consent(user_row.id)
            await tx.results.delete_all(user_row.id)  # results are kept only with consent


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What /forget leaves for the caller: the bot's messages about the person in the staff
    chats (to delete there, where Telegram allows), and how many of their applications the
    centre has already received (those live on in the centre's own records)."""

    staff_messages: list[tuple[int, int]]  # (chat id, message id)
    passed_on: int


async def forget(db: Database, user_id: int) -> Forgotten:
    """Every row about the person is deleted (the caller clears the conversation too). Their
    staff-chat messages keep only a tombstone without the person, so a consultant replying to
    one learns why the answer cannot be delivered."""
    async with db.transaction() as tx:
        staff_messages = await tx.relay.of_user(user_id)
        passed_on = await tx.leads.passed_on_count(user_id)
        for chat_id, message_id in staff_messages:
            await tx.relay.tombstone(chat_id, message_id)
        await tx.forget_user(user_id)
    return Forgotten(staff_messages, passed_on)


async def set_locale(db: Database, user_id: int, locale: str) -> None:
    async with db.transaction() as tx:
        await tx.users.set_locale(user_id, locale)


async def saved_locale(db: Database, user_id: int) -> str | None:
    """The language the person chose, for messages that are not answers to them."""
    async with db.autocommit() as repos:
        person = await repos.users.get(user_id)
    return person.locale if person else None


async def mark_blocked(db: Database, user_id: int) -> None:
    """The person blocked the bot (or deleted the account): left out of broadcasts."""
    async with db.autocommit() as repos:
        await repos.users.set_blocked(user_id, blocked=True)


async def record_membership(db: Database, user_id: int, *, blocked: bool) -> None:
    """Telegram said the person blocked or unblocked the bot; the first contact may be this."""
    async with db.autocommit() as repos:
        await repos.users.ensure(user_id)
        await repos.users.set_blocked(user_id, blocked=blocked)


# --- role --------------------------------------------------------------------------------------


async def current_role(user_row: UserRow | None, conversation: ConversationData) -> Role | None:
    """The role is a profile field with consent, and conversation data without it."""
    if user_row is not None and user_row.role is not None:
        return user_row.role
    role = (await conversation.get_data()).get(ProfileKey.role)
    return role if role in ROLES else None


async def save_role(
    db: Database, user_row: UserRow, conversation: ConversationData, role: Role
) -> None:
    if user_row.has_consent:
        async with db.transaction() as tx:
            await tx.users.set_role(user_row.id, role)
    else:
        await conversation.update_data({ProfileKey.role: role})


# --- age band and status (who may enrol) ------------------------------------------------------


_Choice = TypeVar("_Choice", AgeBand, Status)


def _member(kind: type[_Choice], value: object) -> _Choice | None:
    try:
        return kind(value) if isinstance(value, str) else None
    except ValueError:
        return None


async def current_age_band(
    user_row: UserRow | None, conversation: ConversationData
) -> AgeBand | None:
    """A profile field with consent, conversation data without it."""
    if user_row is not None and user_row.age_band is not None:
        return _member(AgeBand, user_row.age_band)
    return _member(AgeBand, (await conversation.get_data()).get(ProfileKey.age_band))


async def save_age_band(
    db: Database, user_row: UserRow, conversation: ConversationData, band: AgeBand
) -> None:
    if user_row.has_consent:
        async with db.autocommit() as repos:
            await repos.users.set_age_band(user_row.id, band.value)
    else:
        await conversation.update_data({ProfileKey.age_band: band.value})


async def current_status(
    user_row: UserRow | None, conversation: ConversationData
) -> Status | None:
    if user_row is not None and user_row.status is not None:
        return _member(Status, user_row.status)
    return _member(Status, (await conversation.get_data()).get(ProfileKey.status))


async def save_status(
    db: Database, user_row: UserRow, conversation: ConversationData, status: Status
) -> None:
    if user_row.has_consent:
        async with db.autocommit() as repos:
            await repos.users.set_status(user_row.id, status.value)
    else:
        await conversation.update_data({ProfileKey.status: status.value})


# --- where the person is -----------------------------------------------------------------------


async def current_place(user_row: UserRow | None, conversation: ConversationData) -> Place | None:
    if (
        user_row is not None
        and user_row.region_slug is not None
        and user_row.place_lat is not None
        and user_row.place_lon is not None
    ):
        return Place(
            user_row.region_slug,
            user_row.place_lat,
            user_row.place_lon,
            user_row.place_precision or "region",
            user_row.place_town,
        )
    saved = (await conversation.get_data()).get(ProfileKey.place)
    if isinstance(saved, dict):
        try:
            town = saved.get("town")
            return Place(
                str(saved["slug"]),
                float(saved["lat"]),
                float(saved["lon"]),
                str(saved["prec"]),
                int(town) if town is not None else None,
            )
        except (KeyError, TypeError, ValueError):
            return None
    return None


async def save_place(
    db: Database, user_row: UserRow, conversation: ConversationData, place: Place
) -> None:
    if user_row.has_consent:
        async with db.autocommit() as repos:
            await repos.users.set_place(
                user_row.id,
                region_slug=place.region_slug,
                lat=place.lat,
                lon=place.lon,
                precision=place.precision,
                town=place.town_id,
            )
        await conversation.update_data({ProfileKey.place: None})
    else:
        await conversation.update_data(
            {
                ProfileKey.place: {
                    "slug": place.region_slug,
                    "lat": round(place.lat, 2),
                    "lon": round(place.lon, 2),
                    "prec": place.precision,
                    "town": place.town_id,
                }
            }
        )


# --- programme filters -------------------------------------------------------------------------


def _prefs_from(raw: object) -> Preferences | None:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    if not isinstance(raw, dict):
        return None
    try:
        return Preferences(
            length=StudyLength(raw["length"]),
            format=FormatChoice(raw["format"]),
            free_only=bool(raw["free_only"]),
        )
    except (KeyError, ValueError):
        return None


def prefs_json(prefs: Preferences) -> str:
    return json.dumps(
        {"length": prefs.length.value, "format": prefs.format.value, "free_only": prefs.free_only}
    )


async def current_prefs(
    user_row: UserRow | None, conversation: ConversationData
) -> Preferences | None:
    if user_row is not None and user_row.preferences is not None:
        return _prefs_from(user_row.preferences)
    return _prefs_from((await conversation.get_data()).get(ProfileKey.prefs))


async def save_prefs(
    db: Database, user_row: UserRow, conversation: ConversationData, prefs: Preferences
) -> None:
    if user_row.has_consent:
        async with db.autocommit() as repos:
            await repos.users.set_preferences(user_row.id, prefs_json(prefs))
        await conversation.update_data({ProfileKey.prefs: None})
    else:
        await conversation.update_data({ProfileKey.prefs: prefs_json(prefs)})
