"""Programmes for me: the basis (a test result or a chosen field), three quick preferences,
the place, then a ranked list in pages of five and a card for each programme."""

from __future__ import annotations

from dataclasses import replace

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.catalogue import RIASEC, Program
from bot.domain.geo import distance_km
from bot.domain.ranking import (
    GROWN_UP_MASK,
    SCHOOL_MASK,
    FormatChoice,
    Offer,
    Person,
    Preferences,
    Ranked,
    StudyLength,
    Vector,
    fit,
    unit,
    vector_from_code,
    vector_from_scores,
)
from handlers.common import (
    Place,
    current_place,
    current_prefs,
    current_role,
    prefs_json,
    save_prefs,
)
from handlers.onboarding.callbacks import MoreAction, MoreCb
from handlers.places.prompt import ask_place
from handlers.programs import view
from handlers.programs.callbacks import FieldCb, PrefCb, PrefStep, ProgramAction, ProgramCb
from handlers.talk import Talk, talking_router

# The code the list is built on when it is not the latest saved result: a field the person
# picked or the code of a result shown without consent. None: the latest saved result.
BASIS = "programs_basis"
PREFS_DRAFT = "prefs_draft"


def valid_code(code: str) -> str | None:
    letters = "".join(dict.fromkeys(c for c in code.upper() if c in RIASEC))
    return letters[:3] if letters and len(code) <= 8 else None


async def _basis(talk: Talk) -> tuple[Vector, str] | None:
    """The interest vector the list is built on, and a line saying what it is."""
    letters = valid_code(str((await talk.state.get_data()).get(BASIS) or ""))
    if letters is not None:
        if len(letters) == 1:
            line = _("Field: {field}").format(field=view.FIELD_NAMES[letters]())
        else:
            line = _("Based on your test result: {code}").format(code="-".join(letters))
        return vector_from_code(letters), line
    if talk.user_row.has_consent:
        async with talk.db.autocommit() as repos:
            row = await repos.results.latest(talk.user_row.id)
        if row is not None and any(vector := vector_from_scores(row.vector)):
            top = sorted(RIASEC, key=lambda t: -row.vector.get(t, 0.0))[:3]
            return vector, _("Based on your test result: {code}").format(code="-".join(top))
    return None


def _audience(role: str | None) -> int:
    if role == "student":
        return SCHOOL_MASK
    if role is None:
        return SCHOOL_MASK | GROWN_UP_MASK
    return GROWN_UP_MASK


async def show_programs(talk: Talk, *, place: Place | None = None, page: int = 0) -> None:
    basis = await _basis(talk)
    if basis is None:
        await talk.show(
            _(
                "I don't know your interests yet. Take a short test (about 5 minutes) — or pick "
                "a field to look at:"
            ),
            view.fields_keyboard(),
        )
        return
    prefs = await current_prefs(talk.user_row, talk.state)
    if prefs is None:
        await talk.show(_length_question(), view.length_keyboard())
        return
    place = place or await current_place(talk.user_row, talk.state)
    if place is None and prefs.format is not FormatChoice.online:
        await ask_place(talk, "programs")
        return
    vector, basis_line = basis
    person = Person(
        vector=unit(vector),
        lat=place.lat if place else None,
        lon=place.lon if place else None,
        audience=_audience(await current_role(talk.user_row, talk.state)),
    )
    page = max(0, min(page, view.MAX_PAGES - 1))
    async with talk.db.autocommit() as repos:
        wanted = (page + 1) * view.PAGE_SIZE + 1
        ranked = await talk.recommender.top(repos.catalogue, person, prefs, wanted)
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
        await talk.show(view.no_programs_text(prefs), kb.as_markup())
        return
    items = [
        (r, programs[r.offer.program_id], centers.get(r.offer.center_id or "")) for r in shown
    ]
    has_next = len(ranked) > (page + 1) * view.PAGE_SIZE
    home = place.region_slug if place else None
    await talk.show(
        view.programs_page_text(items, page, prefs, basis_line, home),
        view.programs_keyboard(items, page, has_next),
    )


# --- entry points ------------------------------------------------------------------------------


async def on_programs(_event: Message | CallbackQuery, talk: Talk) -> None:
    await talk.state.update_data({BASIS: None})
    await show_programs(talk)


async def on_field(_query: CallbackQuery, callback_data: FieldCb, talk: Talk) -> None:
    code = valid_code(callback_data.code)
    if code is None:  # "another field", or a forged code: the field picker
        await talk.show(_("Pick a field to look at:"), view.fields_keyboard())
        return
    await talk.state.update_data({BASIS: code})
    await show_programs(talk)


async def on_page(_query: CallbackQuery, callback_data: ProgramCb, talk: Talk) -> None:
    await show_programs(talk, page=callback_data.page)


# --- preferences -------------------------------------------------------------------------------


def _length_question() -> str:
    return _(
        "Three quick questions, so I show what suits you (you can change them later).\n\n"
        "<b>1/3.</b> How long can you study?"
    )


async def on_pref(_query: CallbackQuery, callback_data: PrefCb, talk: Talk) -> None:
    draft = dict((await talk.state.get_data()).get(PREFS_DRAFT) or {})
    step, value = callback_data.step, callback_data.value
    if step is PrefStep.length and value in set(StudyLength):
        await talk.state.update_data({PREFS_DRAFT: {"length": value}})
        await talk.show(_("<b>2/3.</b> In person or online?"), view.format_keyboard())
    elif step is PrefStep.fmt and value in set(FormatChoice) and "length" in draft:
        await talk.state.update_data({PREFS_DRAFT: draft | {"format": value}})
        await talk.show(
            _("<b>3/3.</b> Only free programmes, or paid ones too?"), view.free_keyboard()
        )
    elif step is PrefStep.free and value in ("0", "1") and {"length", "format"} <= draft.keys():
        prefs = Preferences(
            length=StudyLength(draft["length"]),
            format=FormatChoice(draft["format"]),
            free_only=value == "1",
        )
        await talk.state.update_data({PREFS_DRAFT: None})
        await save_prefs(talk.db, talk.user_row, talk.state, prefs)
        if talk.user_row.has_consent:  # the row as it is now, for the rest of this update
            talk.user_row = replace(talk.user_row, preferences=prefs_json(prefs))
        await show_programs(talk)
    else:
        # "Filters", or an answer out of order (an old message): the three questions again.
        await talk.show(_length_question(), view.length_keyboard())


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


async def on_program_card(_query: CallbackQuery, callback_data: ProgramCb, talk: Talk) -> None:
    async with talk.db.autocommit() as repos:
        program = await repos.catalogue.program(callback_data.program)
        center = (
            await repos.catalogue.center(program.center_id)
            if program is not None and program.center_id
            else None
        )
    if program is None:
        await talk.alert(_("This programme is no longer in the catalogue."))
        return
    region = talk.places.by_slug(center.region_slug) if center else None
    place = await current_place(talk.user_row, talk.state)
    ranked = None
    basis = await _basis(talk)
    if basis is not None:
        offer = offer_of(program, center.lat if center else None, center.lon if center else None)
        distance = None
        if place is not None and center is not None and not offer.is_online:
            distance = distance_km(place.lat, place.lon, center.lat, center.lon)
        ranked = Ranked(offer, fit(Person(vector=unit(basis[0])), offer), distance, 0.0)
    home = place.region_slug if place else None
    await talk.show(
        view.program_card_text(program, center, region, ranked, home, talk.locale),
        view.program_keyboard(program, callback_data.page),
    )


def create_router() -> Router:
    router = talking_router(__name__)
    router.message.register(on_programs, Command("programs"))
    router.callback_query.register(on_programs, MoreCb.filter(F.action == MoreAction.programs))
    router.callback_query.register(on_field, FieldCb.filter())
    router.callback_query.register(on_page, ProgramCb.filter(F.action == ProgramAction.page))
    router.callback_query.register(
        on_program_card, ProgramCb.filter(F.action == ProgramAction.card)
    )
    router.callback_query.register(on_pref, PrefCb.filter())
    return router
