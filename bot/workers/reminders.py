"""Reminders that arrive in daytime: a nudge a day after a paused test, and a note the day
before a programme the person applied for starts.

Only between 10:00 and 20:00 in the person's region time zone (Moscow time when unknown), at
most one reminder a day (the rules are in `bot.domain.reminders`), never after /forget (the
rows are gone), a block or /settings → off. The loop is durable: reminders are rows, and a row
is marked sent before the message goes out — a crash in between loses that reminder rather
than sending it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.domain.reminders import iso, parse_iso, when_to_send
from bot.workers.background import BackgroundTask, repeating
from storage.db import Database
from storage.reminders import DueReminder

logger = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class ReminderMessage:
    text: str
    markup: InlineKeyboardMarkup | None = None


class RenderReminder(Protocol):
    """What a reminder says, given the database (for the programme's title); None: nothing
    to say any more (the programme is gone). Passed in by the app: texts live with the
    handlers."""

    def __call__(
        self, db: Database, reminder: DueReminder, /
    ) -> Awaitable[ReminderMessage | None]: ...


class ReminderSender:
    def __init__(
        self,
        db: Database,
        i18n: I18n,
        default_locale: str,
        *,
        render: RenderReminder,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._db = db
        self._i18n = i18n
        self._default_locale = default_locale
        self._clock = clock
        self._render = render
        self._background = BackgroundTask(
            "reminders",
            repeating(CHECK_EVERY_SECONDS, self.tick, "Reminders could not be processed"),
        )

    def start(self, bot: Bot) -> None:
        self._background.start(bot)

    async def stop(self) -> None:
        await self._background.stop()

    async def tick(self, bot: Bot) -> int:
        """Send what is due now; move the rest into the person's daytime. Returns how many
        were sent."""
        now = self._clock()
        async with self._db.autocommit() as repos:
            due = await repos.reminders.due(iso(now))
        sent = 0
        for reminder in due:
            last = parse_iso(reminder.last_sent_at) if reminder.last_sent_at else None
            moment = when_to_send(parse_iso(reminder.due_at), now, reminder.timezone, last)
            async with self._db.autocommit() as repos:
                if moment > now:
                    await repos.reminders.postpone(reminder.id, iso(moment))
                    continue
                if not await repos.reminders.mark_sent(reminder.id, iso(now)):
                    continue
                person = await repos.users.get(reminder.user_id)
            if await self._send(bot, reminder, person.locale if person else None):
                sent += 1
        return sent

    async def _send(self, bot: Bot, reminder: DueReminder, locale: str | None) -> bool:
        with self._i18n.context(), self._i18n.use_locale(locale or self._default_locale):
            message = await self._render(self._db, reminder)
        if message is None:
            return False
        try:
            await bot.send_message(reminder.user_id, message.text, reply_markup=message.markup)
        except TelegramForbiddenError:
            async with self._db.autocommit() as repos:
                await repos.users.set_blocked(reminder.user_id, blocked=True)
            return False
        except TelegramAPIError as error:
            logger.warning("Reminder %d not delivered: %s", reminder.id, error.message)
            return False
        return True
