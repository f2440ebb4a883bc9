"""«About me»: who the person is (the role), their age band and what they do now.

The age band and the status are asked once, one tap each, at the first programme list (they
decide which programmes the person may enrol in), and can be changed here. They are kept in the
profile with consent and in the conversation data without it.
"""

from __future__ import annotations

from dataclasses import replace

from aiogram import F, Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from bot.domain.enrolment import AgeBand, Status
from bot.runtime.reply import Talk
from bot.services.profile import (
    current_age_band,
    current_role,
    current_status,
    save_age_band,
    save_status,
)
from handlers.onboarding import view as keyboards
from handlers.onboarding.callbacks import (
    AboutCb,
    AboutItem,
    AboutNext,
    AgeCb,
    MenuAction,
    MenuCb,
    StatusCb,
)
from handlers.onboarding.start import role_name, role_question
from handlers.onboarding.states import Onboarding


def age_question() -> str:
    return _(
        "How old are you? Then I show only the programmes you can enrol in — there are courses "
        "for school students, for adults and for people over 50."
    )


def status_question() -> str:
    return _(
        "And what do you do now? Some programmes are only for students or for working people."
    )


async def ask_age_band(talk: Talk, then: AboutNext) -> None:
    await talk.show(age_question(), keyboards.age_bands(then))


async def ask_status(talk: Talk, then: AboutNext) -> None:
    await talk.show(status_question(), keyboards.statuses(then))


async def about_text(talk: Talk) -> str:
    role = await current_role(talk.user_row, talk.state)
    band = await current_age_band(talk.user_row, talk.state)
    status = await current_status(talk.user_row, talk.state)
    lines = []
    if role:
        lines.append(_("Now: {role}.").format(role=role_name(role)))
    if band:
        lines.append(_("Age: {band}.").format(band=keyboards.age_band_label(band)))
    if status:
        lines.append(
            _("What I do: {status}.").format(status=keyboards.status_label(status).lower())
        )
    return "\n".join([*lines, role_question()])


async def on_about(_query: CallbackQuery, talk: Talk) -> None:
    await talk.state.set_state(Onboarding.role)
    await talk.show(await about_text(talk), keyboards.about_me())


async def on_about_item(_query: CallbackQuery, callback_data: AboutCb, talk: Talk) -> None:
    if callback_data.item is AboutItem.age:
        await ask_age_band(talk, AboutNext.about)
    else:
        await ask_status(talk, AboutNext.about)


async def save_age_answer(talk: Talk, band: AgeBand) -> None:
    await save_age_band(talk.services.db, talk.user_row, talk.state, band)
    if talk.user_row.has_consent:  # the row as it is now, for the rest of this update
        talk.user_row = replace(talk.user_row, age_band=band.value)


async def save_status_answer(talk: Talk, status: Status) -> None:
    await save_status(talk.services.db, talk.user_row, talk.state, status)
    if talk.user_row.has_consent:
        talk.user_row = replace(talk.user_row, status=status.value)


async def on_age_for_about(_query: CallbackQuery, callback_data: AgeCb, talk: Talk) -> None:
    await save_age_answer(talk, callback_data.band)
    await talk.show(await about_text(talk), keyboards.about_me())


async def on_status_for_about(_query: CallbackQuery, callback_data: StatusCb, talk: Talk) -> None:
    await save_status_answer(talk, callback_data.status)
    await talk.show(await about_text(talk), keyboards.about_me())


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_about, MenuCb.filter(F.action == MenuAction.role))
    router.callback_query.register(on_about_item, AboutCb.filter())
    router.callback_query.register(on_age_for_about, AgeCb.filter(F.then == AboutNext.about))
    router.callback_query.register(on_status_for_about, StatusCb.filter(F.then == AboutNext.about))
    return router
