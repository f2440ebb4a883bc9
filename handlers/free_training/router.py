"""The free-training check: one-tap questions over the categories of the federal programme,
then an honest answer, the steps, and where to go."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.eligibility import EligibilityRules, next_question, verdict
from bot.domain.ranking import nearest
from handlers.common import Place, current_place
from handlers.free_training.callbacks import EligibilityCb
from handlers.onboarding.callbacks import MenuAction, MenuCb, MoreAction, MoreCb
from handlers.places.view import center_distance
from handlers.talk import Talk, talking_router
from storage.db import Database

ANSWERS = "eligibility"


def _lang(locale: str) -> str:
    return "en" if locale == "en" else "ru"


def question_text(rules: EligibilityRules, index: int, locale: str) -> str:
    question = rules.questions[index]
    lang = _lang(locale)
    return (
        _("<b>Can I study for free?</b> Question {n} of up to {total}").format(
            n=index + 1, total=len(rules.questions)
        )
        + f"\n\n{escape(question.question[lang])}\n<i>{escape(question.hint[lang])}</i>"
    )


def question_keyboard(index: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Yes"), callback_data=EligibilityCb(index=index, yes=True))
    kb.button(text=_("No"), callback_data=EligibilityCb(index=index, yes=False))
    kb.adjust(2)
    return kb.as_markup()


def steps_text() -> str:
    return _(
        "<b>How to apply</b>\n"
        "1. Send an application on the «Работа России» portal (trudvsem.ru), in the section "
        "on training under the national project «Кадры».\n"
        "2. Go through career guidance: the employment centre helps you choose a programme.\n"
        "3. Sign the contract — usually with the employment centre and an employer who is "
        "ready to hire you. Training is in person."
    )


def verdict_text(rules: EligibilityRules, answers: list[bool], locale: str) -> str:
    result = verdict(rules, answers)
    lang = _lang(locale)
    if result.likely:
        categories = "; ".join(escape(q.category[lang]) for q in result.matched)
        head = _(
            "✅ You may well be able to study for free: you belong to one of the programme's "
            "categories ({categories})."
        ).format(categories=categories)
    else:
        head = _(
            "By these answers you are probably not in the programme's categories — but that "
            "is not the end: many ЦОПП courses are free or cheap for everyone, the list of "
            "categories changes, and the employment centre may know other options. Ask a "
            "consultant."
        )
    source = _("Source: {source}; checked on {date}.").format(
        source=escape(rules.source), date=escape(rules.checked_on)
    )
    return "\n\n".join((head, escape(rules.note[lang]), steps_text(), source))


def verdict_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("📍 Nearest centres"), callback_data=MoreCb(action=MoreAction.centers))
    kb.button(text=_("🎓 Programmes for me"), callback_data=MoreCb(action=MoreAction.programs))
    kb.button(text=_("💬 Ask a consultant"), callback_data=MoreCb(action=MoreAction.consult))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    return kb.as_markup()


async def on_free(
    _event: Message | CallbackQuery, talk: Talk, eligibility: EligibilityRules
) -> None:
    await talk.state.update_data({ANSWERS: []})
    await talk.show(question_text(eligibility, 0, talk.locale), question_keyboard(0))


async def on_answer(
    _query: CallbackQuery,
    callback_data: EligibilityCb,
    talk: Talk,
    eligibility: EligibilityRules,
) -> None:
    saved = (await talk.state.get_data()).get(ANSWERS)
    answers = [bool(a) for a in saved] if isinstance(saved, list) else None
    current = next_question(eligibility, answers) if answers is not None else None
    if answers is None or current is None:
        await talk.show(_("This check is over. Start it again?"), _restart_keyboard())
        return
    if callback_data.index != current:
        # An old message or a forged index: show where the check really is.
        await talk.show(
            question_text(eligibility, current, talk.locale),
            question_keyboard(current),
            notice=_("That question is already answered."),
        )
        return
    answers.append(callback_data.yes)
    await talk.state.update_data({ANSWERS: answers})
    following = next_question(eligibility, answers)
    if following is not None:
        await talk.show(
            question_text(eligibility, following, talk.locale), question_keyboard(following)
        )
        return
    await talk.state.update_data({ANSWERS: None})
    text = verdict_text(eligibility, answers, talk.locale)
    place = await current_place(talk.user_row, talk.state)
    if place is not None:
        text += "\n\n" + await nearest_center_line(talk.db, place)
    await talk.show(text, verdict_keyboard())


async def nearest_center_line(db: Database, place: Place) -> str:
    async with db.autocommit() as repos:
        (found,) = await nearest(repos.catalogue, place.lat, place.lon, 1)
        center = await repos.catalogue.center(found.id)
    assert center is not None
    return _("The nearest ЦОПП: {name}, {distance}.").format(
        name=escape(center.name),
        distance=center_distance(center, found.distance_km, place.region_slug),
    )


def _restart_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🔄 Check again"), callback_data=MoreCb(action=MoreAction.free))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    return kb.as_markup()


def create_router() -> Router:
    router = talking_router(__name__)
    router.message.register(on_free, Command("free"))
    router.callback_query.register(on_free, MoreCb.filter(F.action == MoreAction.free))
    router.callback_query.register(on_answer, EligibilityCb.filter())
    return router
