"""Programmes for me: the basis (a test result or a chosen field), three quick preferences,
the place, then a ranked list in pages of five and a card for each programme."""

from __future__ import annotations

from dataclasses import replace

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.domain.ranking import FormatChoice, Preferences, StudyLength, valid_code
from bot.runtime.reply import Talk
from bot.services.profile import (
    current_age_band,
    current_place,
    current_role,
    current_status,
    prefs_json,
    save_prefs,
)
from bot.services.recommendations import basis_of, program_and_center, rate_for_card, today
from handlers.onboarding.about import save_age_answer, save_status_answer
from handlers.onboarding.callbacks import AboutNext, AgeCb, MoreAction, MoreCb, StatusCb
from handlers.places.view import Home
from handlers.programs import view
from handlers.programs.callbacks import FieldCb, PrefCb, PrefStep, ProgramAction, ProgramCb
from handlers.programs.listing import show_programs
from handlers.programs.states import ProgramsData

# --- entry points ------------------------------------------------------------------------------


async def on_programs(_event: Message | CallbackQuery, talk: Talk) -> None:
    await talk.state.update_data({ProgramsData.basis: None})
    await show_programs(talk)


async def on_field(_query: CallbackQuery, callback_data: FieldCb, talk: Talk) -> None:
    code = valid_code(callback_data.code)
    if code is None:  # "another field", or a forged code: the field picker
        await talk.show(_("Pick a field to look at:"), view.fields_keyboard())
        return
    await talk.state.update_data({ProgramsData.basis: code})
    await show_programs(talk)


async def on_page(_query: CallbackQuery, callback_data: ProgramCb, talk: Talk) -> None:
    await show_programs(talk, page=callback_data.page)


# --- age band and status, asked before the first list -------------------------------------------


async def on_age(_query: CallbackQuery, callback_data: AgeCb, talk: Talk) -> None:
    await save_age_answer(talk, callback_data.band)
    await show_programs(talk)


async def on_status(_query: CallbackQuery, callback_data: StatusCb, talk: Talk) -> None:
    await save_status_answer(talk, callback_data.status)
    await show_programs(talk)


# --- preferences -------------------------------------------------------------------------------


async def on_pref(_query: CallbackQuery, callback_data: PrefCb, talk: Talk) -> None:
    draft = dict((await talk.state.get_data()).get(ProgramsData.prefs_draft) or {})
    step, value = callback_data.step, callback_data.value
    if step is PrefStep.length and value in set(StudyLength):
        await talk.state.update_data({ProgramsData.prefs_draft: {"length": value}})
        await talk.show(_("<b>2/3.</b> In person or online?"), view.format_keyboard())
    elif step is PrefStep.fmt and value in set(FormatChoice) and "length" in draft:
        await talk.state.update_data({ProgramsData.prefs_draft: draft | {"format": value}})
        await talk.show(
            _("<b>3/3.</b> Only free programmes, or paid ones too?"), view.free_keyboard()
        )
    elif step is PrefStep.free and value in ("0", "1") and {"length", "format"} <= draft.keys():
        prefs = Preferences(
            length=StudyLength(draft["length"]),
            format=FormatChoice(draft["format"]),
            free_only=value == "1",
        )
        await talk.state.update_data({ProgramsData.prefs_draft: None})
        await save_prefs(talk.services.db, talk.user_row, talk.state, prefs)
        if talk.user_row.has_consent:  # the row as it is now, for the rest of this update
            talk.user_row = replace(talk.user_row, preferences=prefs_json(prefs))
        await show_programs(talk)
    else:
        # "Filters", or an answer out of order (an old message): the three questions again.
        await talk.show(view.length_question(), view.length_keyboard())


# --- a programme -------------------------------------------------------------------------------


async def on_program_card(_query: CallbackQuery, callback_data: ProgramCb, talk: Talk) -> None:
    services = talk.services
    program, center = await program_and_center(services.db, callback_data.program)
    if program is None:
        await talk.alert(_("This programme is no longer in the catalogue."))
        return
    region = services.places.by_slug(center.region_slug) if center else None
    residents = services.places.by_slug(program.residents_only) if program.residents_only else None
    place = await current_place(talk.user_row, talk.state)
    chosen = (await talk.state.get_data()).get(ProgramsData.basis)
    basis = await basis_of(services.db, talk.user_row, talk.state, chosen)
    rating = rate_for_card(
        basis,
        program,
        center,
        place,
        await current_role(talk.user_row, talk.state),
        age_band=await current_age_band(talk.user_row, talk.state),
        status=await current_status(talk.user_row, talk.state),
    )
    home = Home.of(place)
    await talk.show(
        view.program_card_text(
            program, center, region, rating, home, talk.locale, today(), residents
        ),
        view.program_keyboard(program, callback_data.page),
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_programs, Command("programs"))
    router.callback_query.register(on_programs, MoreCb.filter(F.action == MoreAction.programs))
    router.callback_query.register(on_field, FieldCb.filter())
    router.callback_query.register(on_page, ProgramCb.filter(F.action == ProgramAction.page))
    router.callback_query.register(
        on_program_card, ProgramCb.filter(F.action == ProgramAction.card)
    )
    router.callback_query.register(on_pref, PrefCb.filter())
    router.callback_query.register(on_age, AgeCb.filter(F.then == AboutNext.programs))
    router.callback_query.register(on_status, StatusCb.filter(F.then == AboutNext.programs))
    return router
