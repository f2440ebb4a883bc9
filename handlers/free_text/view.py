"""Texts and keyboards for free text: answers, the next step, and «not sure I understood»."""

from __future__ import annotations

import contextlib
import html
from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.faq import FaqEntry, NextStep
from handlers.free_text.callbacks import FreeAction, FreeTextCb
from handlers.onboarding.callbacks import MenuAction, MenuCb, MoreAction, MoreCb
from handlers.programs.callbacks import ProgramAction, ProgramCb
from handlers.quiz.callbacks import QuizMenuAction, QuizMenuCb

QUOTE_CHARS = 60
LABEL_CHARS = 32


def short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def faq_text(entry: FaqEntry, locale: str) -> str:
    return "<b>{question}</b>\n{answer}\n\n{source}".format(
        question=html.escape(entry.question(locale)),
        answer=html.escape(entry.answer(locale)),
        source=_('Source: <a href="{url}">{site}</a>').format(
            url=html.escape(entry.source_url, quote=True),
            site=html.escape(_site(entry.source_url)),
        ),
    )


def _site(url: str) -> str:
    host = url.split("://", 1)[-1].split("/", 1)[0]
    if "xn--" in host:
        with contextlib.suppress(UnicodeError):
            host = host.encode().decode("idna")
    return host.removeprefix("www.")


def _next_button(kb: InlineKeyboardBuilder, step: NextStep) -> None:
    match step:
        case NextStep.free_check:
            kb.button(text=_("🆓 Study for free?"), callback_data=MoreCb(action=MoreAction.free))
        case NextStep.programs:
            kb.button(text=_("🎓 Programmes"), callback_data=MoreCb(action=MoreAction.programs))
        case NextStep.centers:
            kb.button(
                text=_("📍 Centres near me"), callback_data=MoreCb(action=MoreAction.centers)
            )
        case NextStep.quiz:
            kb.button(
                text=_("🧭 Take a test"), callback_data=QuizMenuCb(action=QuizMenuAction.choose)
            )
        case NextStep.consult | NextStep.none:
            pass


def _consult_button(kb: InlineKeyboardBuilder) -> None:
    kb.button(text=_("💬 Ask a consultant"), callback_data=FreeTextCb(action=FreeAction.consult))


def _menu_button(kb: InlineKeyboardBuilder) -> None:
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))


def faq_keyboard(entry: FaqEntry, *, consult: bool) -> InlineKeyboardMarkup:
    """The next step, a consultant (when one is connected) and the menu."""
    kb = InlineKeyboardBuilder()
    _next_button(kb, entry.next)
    if consult:
        _consult_button(kb)
    _menu_button(kb)
    kb.adjust(1)
    return kb.as_markup()


def greeting_text() -> str:
    return _(
        "Hi! 👋 I help you choose a profession and find short training at a ЦОПП.\n"
        "Take a test, look at programmes, or just write to me: «I want to be a cook», "
        "«how much does training cost», «I am from Perm»."
    )


def thanks_text() -> str:
    return _("You're welcome! 😊 Write whenever you have a question.")


def complaint_text(*, consult: bool) -> str:
    text = _(
        "Sorry it didn't work out 😔 I understand short messages best: «I want to be a "
        "welder», «what documents do I need», «I live in Kazan»."
    )
    if consult:
        text += " " + _("Or I can pass your message to a consultant — a person will look into it.")
    return text


def help_text() -> str:
    return _(
        "Here is what I can do:\n"
        "• a test that suggests professions — «🧭 Take a test»;\n"
        "• short programmes and ЦОПП centres near you;\n"
        "• whether you may study for free;\n"
        "• answers to questions about training, and a consultant for the rest.\n"
        "You can also just write: «I want to be a programmer» or «how long is the training»."
    )


def not_sure_text(text: str, *, has_options: bool, consult: bool) -> str:
    quote = html.escape(short(text, QUOTE_CHARS))
    if has_options:
        return _("I'm not sure I understood «{text}». Did you mean one of these?").format(
            text=quote
        )
    if consult:
        return _(
            "I'm not sure I understood «{text}». I can pass your question to a consultant, or "
            "choose from the menu."
        ).format(text=quote)
    return _(
        "I'm not sure I understood «{text}». Try a few words, like «how much does training "
        "cost» or «I want to be a cook», or choose from the menu."
    ).format(text=quote)


def options_keyboard(
    options: Sequence[tuple[FreeAction, str, str]],
    *,
    programs: Sequence[tuple[str, str]] = (),
    consult: bool,
) -> InlineKeyboardMarkup:
    """(action, ref, label) options and (id, title) programmes, then the consultant and the
    menu."""
    kb = InlineKeyboardBuilder()
    for action, ref, label in options:
        kb.button(text=short(label, LABEL_CHARS), callback_data=FreeTextCb(action=action, ref=ref))
    for program_id, title in programs:
        kb.button(
            text="🎓 " + short(title, LABEL_CHARS),
            callback_data=ProgramCb(action=ProgramAction.card, program=program_id),
        )
    if consult:
        kb.button(
            text=_("💬 Pass it to a consultant"),
            callback_data=FreeTextCb(action=FreeAction.consult),
        )
    _menu_button(kb)
    kb.adjust(1)
    return kb.as_markup()


def complaint_keyboard(*, consult: bool) -> InlineKeyboardMarkup:
    return options_keyboard([], consult=consult)


def passed_on_text() -> str:
    return _("Sent to a consultant ✅ The answer will come here, usually within a working day.")


def not_delivered_text() -> str:
    return _(
        "I couldn't reach a consultant right now. Please try again a little later — /consult."
    )


def faq_gone_text() -> str:
    return _("I no longer have this answer. Here is the menu.")
