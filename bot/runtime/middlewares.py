"""Per-update data: in-flight tracking, throttling, the user row and the locale.

All of them sit on the `update` observer in this order, so a flooding user is turned away
before any database work, and every handler (and the error handler) sees `user_row` and
`locale` in its data.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.config import Locale
from bot.runtime.i18n import resolve_locale
from storage.db import Database
from storage.users import UserRow

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
logger = logging.getLogger(__name__)

# Names and last-seen time of a consented person are refreshed at most this often.
TOUCH_INTERVAL_SECONDS = 600


class InFlightMiddleware(BaseMiddleware):
    """Counts updates being handled, so shutdown can wait for them to finish."""

    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self._running += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self._running -= 1
            if self._running == 0:
                self._idle.set()

    @property
    def running(self) -> int:
        return self._running

    async def drain(self, timeout: float) -> bool:
        """Wait until no update is being handled; False when the timeout ran out first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


@dataclass
class _Window:
    stamps: deque[float] = field(default_factory=deque)
    blocked_until: float = 0.0


class ThrottlingMiddleware(BaseMiddleware):
    """More than `limit` messages or taps within `period` seconds from one person: one notice,
    then that person's updates are ignored for `cooldown` seconds. Others are not affected."""

    def __init__(
        self,
        i18n: I18n,
        default_locale: Locale,
        *,
        limit: int = 5,
        period: float = 1.0,
        cooldown: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._i18n = i18n
        self._default_locale = default_locale
        self._limit = limit
        self._period = period
        self._cooldown = cooldown
        self._clock = clock
        self._windows: dict[int, _Window] = {}
        self._next_sweep = 0.0

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if not isinstance(event, Update) or user is None:
            return await handler(event, data)
        now = self._clock()
        self._sweep(now)
        window = self._windows.setdefault(user.id, _Window())
        if now < window.blocked_until:
            await self._silence(data["bot"], event)
            return None
        while window.stamps and window.stamps[0] <= now - self._period:
            window.stamps.popleft()
        window.stamps.append(now)
        if len(window.stamps) > self._limit:
            window.stamps.clear()
            window.blocked_until = now + self._cooldown
            await self._notify(data["bot"], event, user)
            return None
        return await handler(event, data)

    def _sweep(self, now: float) -> None:
        # Forget quiet people now and then, so memory stays proportional to active users.
        if now < self._next_sweep:
            return
        self._next_sweep = now + 60
        horizon = now - max(self._period, self._cooldown)
        for user_id in [
            uid
            for uid, w in self._windows.items()
            if w.blocked_until < now and (not w.stamps or w.stamps[-1] < horizon)
        ]:
            del self._windows[user_id]

    async def _notify(self, bot: Bot, update: Update, user: User) -> None:
        locale = resolve_locale(None, user.language_code, self._default_locale)
        with self._i18n.context(), self._i18n.use_locale(locale):
            text = _("Too many messages at once 🙂 Wait a couple of seconds, please.")
        if update.callback_query:
            await bot.answer_callback_query(update.callback_query.id, text=text)
        else:
            await bot.send_message(user.id, text)

    @staticmethod
    async def _silence(bot: Bot, update: Update) -> None:
        # A tapped button shows a spinner until answered; answer it quietly.
        if update.callback_query:
            await bot.answer_callback_query(update.callback_query.id)


class UserMiddleware(BaseMiddleware):
    """Loads (creating on first contact) the person's row as `user_row`."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._touched: dict[int, float] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            return await handler(event, data)
        # Read on the loop's thread (no lock, no hop to the database thread): most updates
        # need nothing else. Writes are independent single statements, no transaction.
        row = await self._db.reads.users.get(user.id)
        touch = row is not None and row.has_consent and self._due_for_touch(user.id)
        if row is None or row.is_blocked or touch:
            async with self._db.autocommit() as repos:
                row = row or await repos.users.ensure(user.id)
                if row.is_blocked:
                    await repos.users.set_blocked(user.id, blocked=False)
                if touch:
                    await repos.users.touch(
                        user.id,
                        first_name=user.first_name,
                        last_name=user.last_name,
                        username=user.username,
                    )
        data["user_row"] = row
        return await handler(event, data)

    def _due_for_touch(self, user_id: int) -> bool:
        now = time.monotonic()
        if now - self._touched.get(user_id, -TOUCH_INTERVAL_SECONDS) < TOUCH_INTERVAL_SECONDS:
            return False
        if len(self._touched) > 100_000:
            self._touched.clear()
        self._touched[user_id] = now
        return True


class LocaleMiddleware(BaseMiddleware):
    """Sets the gettext locale: saved choice, else Telegram's language, else the default."""

    def __init__(self, i18n: I18n, default_locale: Locale) -> None:
        self._i18n = i18n
        self._default_locale = default_locale

    def locale_for(self, data: dict[str, Any]) -> Locale:
        row: UserRow | None = data.get("user_row")
        user: User | None = data.get("event_from_user")
        return resolve_locale(
            row.locale if row else None,
            user.language_code if user else None,
            self._default_locale,
        )

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        locale = self.locale_for(data)
        data["locale"] = locale
        with self._i18n.context(), self._i18n.use_locale(locale):
            return await handler(event, data)
