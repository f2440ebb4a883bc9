"""Programmes for me: the basis (a test result or a chosen field), three quick preferences,
the place, then a ranked list in pages of five and a card for each programme."""

from __future__ import annotations

from dataclasses import replace
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import catalogue_view as view
from bot.callbacks import (
    FieldCb,
    MoreAction,
    MoreCb,
    PrefCb,
    PrefStep,
    ProgramAction,
    ProgramCb,
)
from bot.catalogue import RIASEC, Program
from bot.geo import PlaceIndex, distance_km
from bot.recommend import (
    GROWN_UP_MASK,
    SCHOOL_MASK,
    FormatChoice,
    Offer,
    Person,
    Preferences,
    Ranked,
    StudyLength,
    fit,
    recommend,
    unit,
    vector_from_code,
    vector_from_scores,
)
from handlers.centers import ask_place
from handlers.common import (
    Place,
    answer_callback_with,
    current_place,
    current_prefs,
    current_role,
    prefs_json,
    save_prefs,
)
from storage.db import Database
from storage.users import UserRow

# The code the list is built on when it is not the latest saved result: a field the person
# picked or the code of a result shown without consent. None: the latest saved result.
BASIS = "programs_basis"
PREFS_DRAFT = "prefs_draft"


def valid_code(code: str) -> str | None:
    letters = "".join(dict.fromkeys(c for c in code.upper() if c in RIASEC))
    return letters[:3] if letters and len(code) <= 8 else None


async def _basis(
    db: Database, user_row: UserRow, state: FSMContext
) -> tuple[tuple[float, ...], str] | None:
    """The interest vector the list is built on, and a line saying what it is."""
    code = (await state.get_data()).get(BASIS)
    if isinstance(code, str) and valid_code(code):
        letters = valid_code(code)
        assert letters is not None
        if len(letters) == 1:
            line = _("Field: {field}").format(field=view.FIELD_NAMES[letters]())
        else:
            line = _("Based on your test result: {code}").format(code="-".join(letters))
        return vector_from_code(letters), line
    if user_row.has_consent:
        async with db.autocommit() as repos:
            row = await repos.results.latest(user_row.id)
        vector = vector_from_scores(row.vector) if row is not None else None
        if row is not None and vector is not None and any(vector):
            top = sorted(RIASEC, key=lambda t: -row.vector.get(t, 0.0))[:3]
            return vector, _("Based on your test result: {code}").format(code="-".join(top))
    return None


def _audience(role: str | None) -> int:
    if role == "student":
        return SCHOOL_MASK
    if role is None:
        return SCHOOL_MASK | GROWN_UP_MASK
    return GROWN_UP_MASK


async def _reply(
    bot: Bot,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None,
    query: CallbackQuery | None,
) -> None:
    if query is not None:
        await answer_callback_with(query, text, markup)
    else:
        await bot.send_message(chat_id, text, reply_markup=markup)


async def show_programs(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
    user_row: UserRow,
    locale: str,
    *,
    place: Place | None = None,
    page: int = 0,
    query: CallbackQuery | None = None,
) -> None:
    basis = await _basis(db, user_row, state)
    if basis is None:
        text = _(
            "I don't know your interests yet. Take a short test (about 5 minutes) — or pick "
            "a field to look at:"
        )
        await _reply(bot, chat_id, text, view.fields_keyboard(), query)
        return
    prefs = await current_prefs(user_row, state)
    if prefs is None:
        await _reply(bot, chat_id, _length_question(), view.length_keyboard(), query)
        return
    place = place or await current_place(user_row, state)
    if place is None and prefs.format is not FormatChoice.online:
        if query is not None:
            await query.answer()
        await ask_place(bot, chat_id, state, "programs")
        return
    vector, basis_line = basis
    person = Person(
        vector=unit(vector),
        lat=place.lat if place else None,
        lon=place.lon if place else None,
        audience=_audience(await current_role(user_row, state)),
    )
    page = max(0, min(page, view.MAX_PAGES - 1))
    wanted = (page + 1) * view.PAGE_SIZE + 1
    async with db.autocommit() as repos:
        ranked = await recommend(repos.catalogue, person, prefs, wanted)
        if len(ranked) <= page * view.PAGE_SIZE:
            page = 0
        shown = ranked[page * view.PAGE_SIZE : (page + 1) * view.PAGE_SIZE]
        programs = await repos.catalogue.programs([r.offer.program_id for r in shown])
        centers = await repos.catalogue.centers(
            [r.offer.center_id for r in shown if r.offer.center_id]
        )
    if not shown:
        kb = InlineKeyboardBuilder()
        kb.button(text=_("⚙️ Filters"), callback_data=PrefCb(step=PrefStep.edit))
        kb.button(text=_("🔀 Another field"), callback_data=FieldCb(code="-"))
        kb.adjust(1)
        await _reply(bot, chat_id, view.no_programs_text(prefs), kb.as_markup(), query)
        return
    items = [
        (
            r,
            programs[r.offer.program_id],
            centers.get(r.offer.center_id) if r.offer.center_id else None,
        )
        for r in shown
    ]
    has_next = len(ranked) > (page + 1) * view.PAGE_SIZE
    text = view.programs_page_text(
        items, page, prefs, basis_line, place.region_slug if place else None
    )
    await _reply(bot, chat_id, text, view.programs_keyboard(items, page, has_next), query)


# --- entry points ------------------------------------------------------------------------------


async def cmd_programs(
    message: Message,
    bot: Bot,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
    user_row: UserRow,
    locale: str,
) -> None:
    await state.update_data({BASIS: None})
    await show_programs(bot, message.chat.id, state, db, places, user_row, locale)


async def on_programs(
    query: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
    user_row: UserRow,
    locale: str,
) -> None:
    await state.update_data({BASIS: None})
    await show_programs(bot, query.from_user.id, state, db, places, user_row, locale, query=query)


async def on_field(
    query: CallbackQuery,
    callback_data: FieldCb,
    bot: Bot,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
    user_row: UserRow,
    locale: str,
) -> None:
    code = valid_code(callback_data.code)
    if code is None:  # "another field", or a forged code: the field picker
        await answer_callback_with(query, _("Pick a field to look at:"), view.fields_keyboard())
        return
    await state.update_data({BASIS: code})
    await show_programs(bot, query.from_user.id, state, db, places, user_row, locale, query=query)


async def on_page(
    query: CallbackQuery,
    callback_data: ProgramCb,
    bot: Bot,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
    user_row: UserRow,
    locale: str,
) -> None:
    await show_programs(
        bot,
        query.from_user.id,
        state,
        db,
        places,
        user_row,
        locale,
        page=callback_data.page,
        query=query,
    )


# --- preferences -------------------------------------------------------------------------------


def _length_question() -> str:
    return _(
        "Three quick questions, so I show what suits you (you can change them later).\n\n"
        "<b>1/3.</b> How long can you study?"
    )


async def on_pref(
    query: CallbackQuery,
    callback_data: PrefCb,
    bot: Bot,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
    user_row: UserRow,
    locale: str,
) -> None:
    draft = dict((await state.get_data()).get(PREFS_DRAFT) or {})
    step, value = callback_data.step, callback_data.value
    if step is PrefStep.edit:
        await answer_callback_with(query, _length_question(), view.length_keyboard())
        return
    if step is PrefStep.length and value in set(StudyLength):
        await state.update_data({PREFS_DRAFT: {"length": value}})
        await answer_callback_with(
            query, _("<b>2/3.</b> In person or online?"), view.format_keyboard()
        )
        return
    if step is PrefStep.fmt and value in set(FormatChoice) and "length" in draft:
        draft["format"] = value
        await state.update_data({PREFS_DRAFT: draft})
        await answer_callback_with(
            query,
            _("<b>3/3.</b> Only free programmes, or paid ones too?"),
            view.free_keyboard(),
        )
        return
    if step is PrefStep.free and value in ("0", "1") and {"length", "format"} <= draft.keys():
        prefs = Preferences(
            length=StudyLength(draft["length"]),
            format=FormatChoice(draft["format"]),
            free_only=value == "1",
        )
        await state.update_data({PREFS_DRAFT: None})
        await save_prefs(db, user_row, state, prefs)
        user_row = _with_prefs(user_row, prefs)
        await show_programs(
            bot, query.from_user.id, state, db, places, user_row, locale, query=query
        )
        return
    # An answer out of order (an old message): start the three questions again.
    await answer_callback_with(query, _length_question(), view.length_keyboard())


def _with_prefs(user_row: UserRow, prefs: Preferences) -> UserRow:
    """The row as it is after saving, for the rest of this update."""
    return replace(user_row, preferences=prefs_json(prefs)) if user_row.has_consent else user_row


# --- a programme -------------------------------------------------------------------------------


def offer_of(program: Program, lat: float | None, lon: float | None) -> Offer:
    return Offer(
        program_id=program.id,
        center_id=program.center_id,
        format=program.format,
        is_free=program.is_free,
        study_weeks=program.duration_weeks,
        audience=0,
        unit_weights=unit(program.weights),
        lat=lat,
        lon=lon,
    )


async def on_program_card(
    query: CallbackQuery,
    callback_data: ProgramCb,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
    user_row: UserRow,
    locale: str,
) -> None:
    async with db.autocommit() as repos:
        program = await repos.catalogue.program(callback_data.program)
        center = (
            await repos.catalogue.center(program.center_id)
            if program is not None and program.center_id
            else None
        )
    if program is None:
        await query.answer(_("This programme is no longer in the catalogue."), show_alert=True)
        return
    region = places.by_slug(center.region_slug) if center else None
    ranked = None
    basis = await _basis(db, user_row, state)
    place = await current_place(user_row, state)
    if basis is not None:
        offer = offer_of(program, center.lat if center else None, center.lon if center else None)
        person = Person(vector=unit(basis[0]))
        distance = None
        if place is not None and center is not None and not offer.is_online:
            distance = distance_km(place.lat, place.lon, center.lat, center.lon)
        ranked = Ranked(offer, fit(person, offer), distance, 0.0)
    text = view.program_card_text(
        program, center, region, ranked, place.region_slug if place else None, locale
    )
    await answer_callback_with(query, text, view.program_keyboard(program, callback_data.page))


def program_title(program: Program) -> str:
    return escape(view.short(program.title, 120))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_programs, Command("programs"))
    router.callback_query.register(on_programs, MoreCb.filter(F.action == MoreAction.programs))
    router.callback_query.register(on_field, FieldCb.filter())
    router.callback_query.register(on_page, ProgramCb.filter(F.action == ProgramAction.page))
    router.callback_query.register(
        on_program_card, ProgramCb.filter(F.action == ProgramAction.card)
    )
    router.callback_query.register(on_pref, PrefCb.filter())
    return router
