"""Reminders from the person's side: /settings to switch them off, what they say, and the
moments features plan them (a paused test, an application with a start date)."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.catalogue import Program
from bot.workers.reminders import (
    QUIZ_NUDGE_AFTER,
    ReminderMessage,
    iso,
    programme_reminder_due,
)
from handlers.common import answer_callback_with
from handlers.onboarding.callbacks import MenuAction, MenuCb
from handlers.quiz.callbacks import QuizMenuAction, QuizMenuCb
from handlers.reminders.callbacks import SettingsCb
from storage.db import Database
from storage.reminders import DueReminder
from storage.users import UserRow


async def plan_quiz_nudge(db: Database, user_id: int) -> None:
    async with db.autocommit() as repos:
        when = datetime.now(UTC) + QUIZ_NUDGE_AFTER
        await repos.reminders.schedule(user_id, "quiz_paused", iso(when))


async def drop_quiz_nudge(db: Database, user_id: int) -> None:
    async with db.autocommit() as repos:
        await repos.reminders.drop(user_id, "quiz_paused")


async def plan_programme_reminder(
    db: Database, user_id: int, program: Program, zone: str | None
) -> None:
    if program.next_start is None:
        return
    when = programme_reminder_due(program.next_start, zone, datetime.now(UTC))
    if when is not None:
        async with db.autocommit() as repos:
            await repos.reminders.schedule(user_id, "program_start", iso(when), program.id)


def _off_keyboard(extra: tuple[str, QuizMenuCb] | None = None) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if extra is not None:
        kb.button(text=extra[0], callback_data=extra[1])
    kb.button(text=_("🔕 No reminders"), callback_data=SettingsCb(reminders=False))
    kb.adjust(1)
    return kb.as_markup()


async def render_reminder(db: Database, reminder: DueReminder) -> ReminderMessage | None:
    if reminder.kind == "quiz_paused":
        return ReminderMessage(
            _(
                "👋 You started a test and stopped halfway. Shall we finish it? It takes a few "
                "minutes, and your answers are saved."
            ),
            _off_keyboard((_("▶️ Continue the test"), QuizMenuCb(action=QuizMenuAction.resume))),
        )
    async with db.autocommit() as repos:
        program = await repos.catalogue.program(reminder.subject)
    if program is None or program.next_start is None:
        return None
    return ReminderMessage(
        _(
            "📅 Tomorrow, {date}, the programme «{title}» starts. If your plans have changed, "
            "tell a consultant: /consult."
        ).format(date=program.next_start.strftime("%d.%m.%Y"), title=html.escape(program.title)),
        _off_keyboard(),
    )


def settings_text(off: bool) -> str:
    state = _("off") if off else _("on")
    return _(
        "<b>Settings</b>\nReminders: {state}.\nThey come only in daytime, at most one a day: "
        "a day after a paused test, and the day before a programme you applied for starts."
    ).format(state=state)


def settings_keyboard(off: bool) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if off:
        kb.button(text=_("🔔 Turn reminders on"), callback_data=SettingsCb(reminders=True))
    else:
        kb.button(text=_("🔕 Turn reminders off"), callback_data=SettingsCb(reminders=False))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    return kb.as_markup()


async def cmd_settings(message: Message, db: Database, user_row: UserRow) -> None:
    async with db.autocommit() as repos:
        off = await repos.reminders.is_off(user_row.id)
    await message.answer(settings_text(off), reply_markup=settings_keyboard(off))


async def on_settings(
    query: CallbackQuery, callback_data: SettingsCb, db: Database, user_row: UserRow
) -> None:
    off = not callback_data.reminders
    async with db.autocommit() as repos:
        await repos.reminders.set_off(user_row.id, off=off)
    await answer_callback_with(
        query,
        settings_text(off),
        settings_keyboard(off),
        notice=_("Reminders are off.") if off else _("Reminders are on."),
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_settings, Command("settings"))
    router.callback_query.register(on_settings, SettingsCb.filter(F.reminders.is_not(None)))
    return router
