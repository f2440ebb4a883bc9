"""Reminders from the person's side: /settings to switch them off, and what they say. The
moments features plan them are `bot.services.reminders`."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.runtime.reply import Talk
from bot.services.reminders import reminded_program, reminders_off, switch_reminders
from bot.workers.reminders import ReminderMessage
from handlers.reminders import view
from handlers.reminders.callbacks import SettingsCb
from storage.db import Database
from storage.reminders import DueReminder


async def render_reminder(db: Database, reminder: DueReminder) -> ReminderMessage | None:
    """What a due reminder says; None when there is nothing to say any more."""
    if reminder.kind == "quiz_paused":
        return view.quiz_nudge()
    program = await reminded_program(db, reminder)
    if program is None or program.next_start is None:
        return None
    return view.programme_starts(program.title, program.next_start)


async def cmd_settings(_message: Message, talk: Talk) -> None:
    off = await reminders_off(talk.services.db, talk.user_row.id)
    await talk.show(view.settings_text(off), view.settings_keyboard(off))


async def on_settings(_query: CallbackQuery, callback_data: SettingsCb, talk: Talk) -> None:
    off = not callback_data.reminders
    await switch_reminders(talk.services.db, talk.user_row.id, off=off)
    await talk.show(
        view.settings_text(off),
        view.settings_keyboard(off),
        notice=_("Reminders are off.") if off else _("Reminders are on."),
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_settings, Command("settings"))
    router.callback_query.register(on_settings, SettingsCb.filter(F.reminders.is_not(None)))
    return router
