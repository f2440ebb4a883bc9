"""Applications nobody has touched: one that stayed «новая» for `LEAD_FLAG_DAYS` working days
after it reached a centre is flagged once to that centre's admins (the network admins when
the centre has none). Runs in the one process holding the workers lease; a lead is marked
flagged before the messages go out, so it is never flagged twice (a crash in between loses
the flag instead)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.utils.i18n import I18n

from bot.config import Settings
from bot.domain.reminders import iso
from bot.domain.workdays import working_days_back
from bot.services import centre_admins
from bot.workers.background import BackgroundTask, repeating
from storage.db import Database
from storage.leads import LeadRow

logger = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 300.0


class LeadFlagger:
    def __init__(
        self,
        db: Database,
        i18n: I18n,
        settings: Settings,
        *,
        render: Callable[[LeadRow, int], str],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        every: float = CHECK_EVERY_SECONDS,
    ) -> None:
        self._db = db
        self._i18n = i18n
        self._settings = settings
        self._render = render  # the text for the admins: the lead and the working days
        self.clock = clock  # public: tests move time
        self._every = every
        self._background = BackgroundTask(
            "lead-flags",
            repeating(self._every, self.tick, "Untouched applications could not be checked"),
        )

    def start(self, bot: Bot) -> None:
        self._background.start(bot)

    async def stop(self) -> None:
        await self._background.stop()

    async def tick(self, bot: Bot) -> int:
        """Flag every application waiting too long; returns how many were flagged."""
        days = self._settings.lead_flag_days
        before = iso(working_days_back(self.clock(), days))
        flagged = 0
        for lead in await centre_admins.untouched_leads(self._db, before):
            await centre_admins.flagged(self._db, lead.id)
            flagged += 1
            targets = await centre_admins.admins_to_tell(self._db, self._settings, lead.center_id)
            with self._i18n.context(), self._i18n.use_locale(self._settings.default_locale):
                text = self._render(lead, days)
            for user_id in targets:
                try:
                    await bot.send_message(user_id, text)
                except TelegramAPIError as error:
                    logger.warning(
                        "Admin %d not told that application %d waits: %s",
                        user_id,
                        lead.id,
                        error.message,
                    )
        return flagged
