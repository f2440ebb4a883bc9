"""Texts and keyboards of reminders; /settings is `handlers.settings`."""

from __future__ import annotations

import html
from datetime import date

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.workers.reminders import ReminderMessage
from handlers.quiz.callbacks import QuizMenuAction, QuizMenuCb
from handlers.reminders.callbacks import SettingsCb


def off_keyboard(extra: tuple[str, QuizMenuCb] | None = None) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if extra is not None:
        kb.button(text=extra[0], callback_data=extra[1])
    kb.button(text=_("🔕 No reminders"), callback_data=SettingsCb(reminders=False))
    kb.adjust(1)
    return kb.as_markup()


def quiz_nudge() -> ReminderMessage:
    return ReminderMessage(
        _(
            "👋 You started a test and stopped halfway. Shall we finish it? It takes a few "
            "minutes, and your answers are saved."
        ),
        off_keyboard((_("▶️ Continue the test"), QuizMenuCb(action=QuizMenuAction.resume))),
    )


def programme_starts(title: str, start: date) -> ReminderMessage:
    return ReminderMessage(
        _(
            "📅 Tomorrow, {date}, the programme «{title}» starts. If your plans have changed, "
            "tell a consultant: /consult."
        ).format(date=start.strftime("%d.%m.%Y"), title=html.escape(title)),
        off_keyboard(),
    )
