"""The free-training check: the age band (once), one-tap questions over the categories of the
federal programme that can apply at that age, then an honest answer, the steps, and where to
go."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.domain.eligibility import (
    Answer,
    EligibilityRules,
    Question,
    answered_by_band,
    next_question,
    questions_for,
    verdict,
)
from bot.domain.enrolment import AgeBand
from bot.runtime.reply import Talk
from bot.services.centers import nearest_center
from bot.services.profile import current_age_band, current_place, save_age_band
from handlers.free_training import view
from handlers.free_training.callbacks import EligibilityCb, FreeAgeCb
from handlers.free_training.states import EligibilityData
from handlers.onboarding.callbacks import MoreAction, MoreCb
from handlers.places.view import Home


def _load(
    rules: EligibilityRules, raw: Any
) -> tuple[list[Question], list[Answer], AgeBand | None] | None:
    """The check in progress from the conversation data; None when there is none (or it is
    from an older version of the bot, or damaged)."""
    if not isinstance(raw, dict):
        return None
    ids, answers, band = raw.get("ids"), raw.get("answers"), raw.get("band")
    if not isinstance(ids, list) or not isinstance(answers, list):
        return None
    questions = [rules.by_id(str(i)) for i in ids]
    try:
        parsed = [Answer(a) for a in answers]
        age = AgeBand(band) if band is not None else None
    except ValueError:
        return None
    if any(q is None for q in questions):
        return None
    return [q for q in questions if q is not None], parsed, age


async def _save(
    talk: Talk, questions: list[Question], answers: list[Answer], band: AgeBand | None
) -> None:
    check = {
        "ids": [q.id for q in questions],
        "answers": [a.value for a in answers],
        "band": band.value if band else None,
    }
    await talk.state.update_data({EligibilityData.check: check})


def _fill_from_band(
    questions: list[Question], answers: list[Answer], band: AgeBand | None
) -> None:
    """Answer what the age band already tells (50+ is the age category)."""
    while (index := next_question(questions, answers)) is not None:
        known = answered_by_band(questions[index], band)
        if known is None:
            return
        answers.append(known)


async def on_free(_event: Message | CallbackQuery, talk: Talk) -> None:
    await talk.state.update_data({EligibilityData.check: None})
    band = await current_age_band(talk.user_row, talk.state)
    if band is None:
        await talk.show(view.age_text(), view.age_keyboard())
        return
    await _start(talk, band)


async def on_age(_query: CallbackQuery, callback_data: FreeAgeCb, talk: Talk) -> None:
    if callback_data.band is None:  # «change the age»: the question again
        await talk.state.update_data({EligibilityData.check: None})
        await talk.show(view.age_text(), view.age_keyboard())
        return
    await save_age_band(talk.services.db, talk.user_row, talk.state, callback_data.band)
    await _start(talk, callback_data.band)


async def _start(talk: Talk, band: AgeBand | None) -> None:
    questions = list(questions_for(talk.services.eligibility, band))
    answers: list[Answer] = []
    _fill_from_band(questions, answers, band)
    await _continue(talk, questions, answers, band)


async def _continue(
    talk: Talk, questions: list[Question], answers: list[Answer], band: AgeBand | None
) -> None:
    following = next_question(questions, answers)
    if following is not None:
        await _save(talk, questions, answers, band)
        await talk.show(
            view.question_text(questions, following, talk.locale),
            view.question_keyboard(following, questions[following]),
        )
        return
    await talk.state.update_data({EligibilityData.check: None})
    result = verdict(questions, answers)
    text = view.verdict_text(talk.services.eligibility, questions, result, talk.locale)
    place = await current_place(talk.user_row, talk.state)
    if place is not None:
        center, distance = await nearest_center(talk.services.db, place.lat, place.lon)
        text += "\n\n" + view.nearest_center_line(center, distance, Home.of(place))
    await talk.show(text, view.verdict_keyboard(register_first=result.register_first))


async def on_answer(_query: CallbackQuery, callback_data: EligibilityCb, talk: Talk) -> None:
    rules = talk.services.eligibility
    check = _load(rules, (await talk.state.get_data()).get(EligibilityData.check))
    current = next_question(check[0], check[1]) if check is not None else None
    if check is None or current is None:
        await talk.show(_("This check is over. Start it again?"), view.restart_keyboard())
        return
    questions, answers, band = check
    third_answer_allowed = questions[current].asks_registration
    if callback_data.index != current or (
        callback_data.answer is Answer.unregistered and not third_answer_allowed
    ):
        # An old message or forged data: show where the check really is.
        await talk.show(
            view.question_text(questions, current, talk.locale),
            view.question_keyboard(current, questions[current]),
            notice=_("That question is already answered."),
        )
        return
    answers.append(callback_data.answer)
    _fill_from_band(questions, answers, band)
    await _continue(talk, questions, answers, band)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_free, Command("free"))
    router.callback_query.register(on_free, MoreCb.filter(F.action == MoreAction.free))
    router.callback_query.register(on_age, FreeAgeCb.filter())
    router.callback_query.register(on_answer, EligibilityCb.filter())
    return router
