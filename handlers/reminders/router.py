"""Reminders from the person's side: switching them off (shown in /settings), and what they
say. The moments features plan them are `bot.services.reminders`."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from bot.runtime.reply import Talk
from bot.services.reminders import reminded_program, switch_reminders
from bot.workers.reminders import ReminderMessage
from handlers.reminders import view
from handlers.reminders.callbacks import SettingsCb
from handlers.settings.router import show_settings
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


async def on_settings(_query: CallbackQuery, callback_data: SettingsCb, talk: Talk) -> None:
    """«Turn reminders on/off» — in /settings or under a reminder: /settings afterwards."""
    off = not callback_data.reminders
    await switch_reminders(talk.services.db, talk.user_row.id, off=off)
    await show_settings(talk, notice=_("Reminders are off.") if off else _("Reminders are on."))


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_settings, SettingsCb.filter(F.reminders.is_not(None)))
    return router
