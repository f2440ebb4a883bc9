"""Helpers shared by handlers: replying to taps, the person's role."""

from __future__ import annotations

import json
from dataclasses import dataclass

from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.config import Settings
from bot.domain.ranking import FormatChoice, Preferences, StudyLength
from storage.db import Database
from storage.users import ROLES, Role, UserRow

# Without consent the role waits in the conversation data instead of the profile.
ROLE = "role"


async def answer_callback_with(
    query: CallbackQuery,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    notice: str | None = None,
) -> None:
    """Answer a button tap (once: Telegram refuses a second answer, so a `notice` for the
    person goes with it) by editing its message in place, or with a new message when the old
    one can no longer be edited (too old, deleted, or not accessible)."""
    await query.answer(notice)
    if isinstance(query.message, Message):
        try:
            await query.message.edit_text(text, reply_markup=markup)
        except TelegramBadRequest as error:
            if "not modified" in error.message:
                return
        else:
            return
    if query.bot is not None:
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


async def current_role(user_row: UserRow | None, state: FSMContext) -> Role | None:
    """The role is a profile field with consent, and conversation data without it."""
    if user_row is not None and user_row.role is not None:
        return user_row.role
    role = (await state.get_data()).get(ROLE)
    return role if role in ROLES else None


# --- where the person is and what they want (profile with consent, conversation without) ----

PLACE = "place"
PREFS = "prefs"


@dataclass(frozen=True, slots=True)
class Place:
    region_slug: str
    lat: float
    lon: float
    precision: str  # 'point' (shared location), 'city' (the capital) or 'region'


async def current_place(user_row: UserRow | None, state: FSMContext) -> Place | None:
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
        )
    saved = (await state.get_data()).get(PLACE)
    if isinstance(saved, dict):
        try:
            return Place(
                str(saved["slug"]), float(saved["lat"]), float(saved["lon"]), str(saved["prec"])
            )
        except (KeyError, TypeError, ValueError):
            return None
    return None


async def save_place(db: Database, user_row: UserRow, state: FSMContext, place: Place) -> None:
    if user_row.has_consent:
        async with db.autocommit() as repos:
            await repos.users.set_place(
                user_row.id,
                region_slug=place.region_slug,
                lat=place.lat,
                lon=place.lon,
                precision=place.precision,
            )
        await state.update_data({PLACE: None})
    else:
        await state.update_data(
            {
                PLACE: {
                    "slug": place.region_slug,
                    "lat": round(place.lat, 2),
                    "lon": round(place.lon, 2),
                    "prec": place.precision,
                }
            }
        )


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


async def current_prefs(user_row: UserRow | None, state: FSMContext) -> Preferences | None:
    if user_row is not None and user_row.preferences is not None:
        return _prefs_from(user_row.preferences)
    return _prefs_from((await state.get_data()).get(PREFS))


async def save_prefs(
    db: Database, user_row: UserRow, state: FSMContext, prefs: Preferences
) -> None:
    if user_row.has_consent:
        async with db.autocommit() as repos:
            await repos.users.set_preferences(user_row.id, prefs_json(prefs))
        await state.update_data({PREFS: None})
    else:
        await state.update_data({PREFS: prefs_json(prefs)})


def staff_chats(settings: Settings) -> list[int]:
    """Where applications and questions go: the consultant chat, else every admin."""
    if settings.consultant_chat_id is not None:
        return [settings.consultant_chat_id]
    return sorted(settings.admin_ids)
