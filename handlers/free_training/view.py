"""Texts and keyboards of the free-training check. Rule texts come from the rules file, with
their source and the date they were checked."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.catalogue import Center
from bot.domain.eligibility import EligibilityRules, verdict
from handlers.free_training.callbacks import EligibilityCb
from handlers.onboarding.callbacks import MenuAction, MenuCb, MoreAction, MoreCb
from handlers.places.view import center_distance


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


def nearest_center_line(center: Center, distance: float, home_slug: str) -> str:
    return _("The nearest ЦОПП: {name}, {distance}.").format(
        name=escape(center.name),
        distance=center_distance(center, distance, home_slug),
    )


def restart_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🔄 Check again"), callback_data=MoreCb(action=MoreAction.free))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    return kb.as_markup()
