"""Texts and keyboards of the free-training check. Rule texts come from the rules file, with
the act, where each category is confirmed, and the date they were checked."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.catalogue import Center
from bot.domain.eligibility import Answer, EligibilityRules, Question, Verdict
from bot.domain.enrolment import AgeBand
from handlers.free_training.callbacks import EligibilityCb, FreeAgeCb
from handlers.onboarding.callbacks import MenuAction, MenuCb, MoreAction, MoreCb
from handlers.places.view import Home, center_distance


def _lang(locale: str) -> str:
    return "en" if locale == "en" else "ru"


def _link(url: str, text: str) -> str:
    return f'<a href="{escape(url, quote=True)}">{escape(text)}</a>'


def age_text() -> str:
    return _(
        "<b>Can I study for free?</b>\n"
        "First, how old are you? Then I will not ask what cannot apply to you."
    )


def age_label(band: AgeBand) -> str:
    return {
        AgeBand.under14: _("under 14"),
        AgeBand.teen: "14–17",
        AgeBand.young: "18–34",
        AgeBand.middle: "35–49",
        AgeBand.senior: "50+",
    }[band]


def age_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for band in AgeBand:
        kb.button(text=age_label(band), callback_data=FreeAgeCb(band=band))
    kb.adjust(5)
    return kb.as_markup()


def question_text(questions: Sequence[Question], index: int, locale: str) -> str:
    question = questions[index]
    lang = _lang(locale)
    return (
        _("<b>Can I study for free?</b> Question {n} of up to {total}").format(
            n=index + 1, total=len(questions)
        )
        + f"\n\n{escape(question.question[lang])}\n<i>{escape(question.hint[lang])}</i>"
    )


def question_keyboard(index: int, question: Question) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Yes"), callback_data=EligibilityCb(index=index, answer=Answer.yes))
    kb.button(text=_("No"), callback_data=EligibilityCb(index=index, answer=Answer.no))
    rows = [2]
    if question.asks_registration:
        kb.button(
            text=_("Jobless, not registered"),
            callback_data=EligibilityCb(index=index, answer=Answer.unregistered),
        )
        rows.append(1)
    kb.button(text=_("✏️ Change the age"), callback_data=FreeAgeCb())
    rows.append(1)
    kb.adjust(*rows)
    return kb.as_markup()


def steps_text() -> str:
    return _(
        "<b>How to apply</b>\n"
        "1. Sign in to the «Работа России» portal (trudvsem.ru) with Gosuslugi and apply for "
        "training under the national project «Кадры».\n"
        "2. Go through career guidance: a specialist helps you choose a programme and, if "
        "needed, an employer.\n"
        "3. Before training starts, sign a three-way contract (as the Ministry of Labour "
        "describes it).\n"
        "The format is given in each programme's description; according to the Ministry of "
        "Labour, classes take place at the training organisations' sites."
    )


def register_text(rules: EligibilityRules, locale: str) -> str:
    """Lost a job, not registered, and no other category: how to register, then check again."""
    question = next((q for q in rules.questions if q.asks_registration), None)
    source = (
        " " + _link(question.source_url, _("(source)"))
        if question is not None and question.source_url
        else ""
    )
    return (
        _(
            "<b>First, register with the employment centre</b> — you can do it online:\n"
            "1. Sign in to «Работа России» (trudvsem.ru) with a verified Gosuslugi account.\n"
            "2. Apply for help with finding a job and attach a CV (you can create one there).\n"
            "3. The employment centre reviews the application and offers vacancies — watch "
            "your account.\n"
            "You register where you have your permanent registration. Without the internet: "
            "at a public services centre (МФЦ) or at the employment centre in person.\n\n"
            "Then take this check again: people who have turned to the employment centre may "
            "be able to train for free."
        )
        + source
    )


def _sources(questions: Sequence[Question], lang: str) -> str:
    return "\n".join(
        f"• {escape(q.category[lang])}"
        + (" — " + _link(q.source_url, _("source")) if q.source_url else "")
        for q in questions
    )


def verdict_text(
    rules: EligibilityRules, asked: Sequence[Question], result: Verdict, locale: str
) -> str:
    lang = _lang(locale)
    parts: list[str] = []
    if result.likely:
        question = result.matched[0]
        category = escape(question.category[lang])
        if question.source_url:
            category += " (" + _link(question.source_url, _("source")) + ")"
        parts.append(
            _(
                "✅ You may well be able to study for free: you seem to belong to one of the "
                "programme's categories — {category}."
            ).format(category=category)
        )
        parts.append(f"<i>{escape(question.hint[lang])}</i>")
        parts += [escape(rules.note[lang]), steps_text()]
    elif result.register_first:
        parts.append(register_text(rules, locale))
    else:
        parts.append(
            _(
                "By these answers you are probably not in the programme's categories — but "
                "that is not the end: many ЦОПП courses are free or cheap for everyone, the "
                "list of categories changes, and the employment centre may know other "
                "options. Ask a consultant."
            )
        )
        parts.append(_("<b>Categories I checked</b>\n{list}").format(list=_sources(asked, lang)))
    act = escape(rules.source)
    if rules.source_url:
        act = _link(rules.source_url, rules.source)
    parts.append(
        _("Source: {source}; checked on {date}.").format(source=act, date=escape(rules.checked_on))
    )
    return "\n\n".join(parts)


def verdict_keyboard(*, register_first: bool = False) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if register_first:
        kb.button(text=_("🔄 Check again"), callback_data=MoreCb(action=MoreAction.free))
    else:
        kb.button(text=_("📍 Nearest centres"), callback_data=MoreCb(action=MoreAction.centers))
        kb.button(text=_("🎓 Programmes for me"), callback_data=MoreCb(action=MoreAction.programs))
    kb.button(text=_("💬 Ask a consultant"), callback_data=MoreCb(action=MoreAction.consult))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    return kb.as_markup()


def nearest_center_line(center: Center, distance: float, home: Home) -> str:
    return _("The nearest ЦОПП: {name}, {distance}.").format(
        name=escape(center.name),
        distance=center_distance(center, distance, home.slug, home.precision),
    )


def restart_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🔄 Check again"), callback_data=MoreCb(action=MoreAction.free))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    return kb.as_markup()
