"""Delivering applications to the staff: an application is passed on only when a staff chat
accepted it, and until then it is retried, across restarts.

The notices are rows (`storage.outbox`), written with the application itself. The handler that
stores an application tries its notice at once; whatever did not arrive is tried again by the
loop here — in the one process holding the workers lease — with growing pauses (30 s, 1 min,
2 min, 5 min, 15 min, then every 30 min), and at once after a start. When a notice cannot be
delivered (the bot is not in the group, the group is gone, …) the admins are told once per
application; the person is told when their saved application finally reaches the staff.

Delivery is at least once: Telegram has no idempotency key, and a process killed after
Telegram accepted a notice but before that was recorded sends it again after the restart (the
staff then see the same application number twice). A notice claimed by a process that is gone
from this host is taken over at once; one claimed elsewhere, when its claim runs out.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
)
from aiogram.types import InlineKeyboardMarkup, ReplyParameters
from aiogram.utils.i18n import I18n

from bot.services.applications import Claim
from bot.workers.background import BackgroundTask
from bot.workers.lease import is_gone
from storage.db import Database
from storage.leads import LeadRow
from storage.outbox import OutboxJob

logger = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 5.0
# How long other processes leave a job alone while one tries it.
CLAIM_SECONDS = 120.0
# The pause after the 1st, 2nd, … failed attempt; the last one repeats.
BACKOFF_SECONDS = (30.0, 60.0, 120.0, 300.0, 900.0, 1800.0)
# Failures that may pass by themselves (network, Telegram's 5xx) are told to the admins only
# after this many attempts; the others (the bot is not in the chat, …) at once.
TELL_ADMINS_AFTER = 3
BATCH = 50
NO_STAFF_CHAT = "no staff chat: CONSULTANT_CHAT_ID and ADMIN_IDS are empty"


@dataclass(frozen=True, slots=True)
class LeadViews:
    """What the staff, the admins and the person read; passed in by the app, because texts
    live with the handlers. Called with the locale already set."""

    notice: Callable[[Database, LeadRow], Awaitable[str]]  # the application, for the staff
    withdrawal: Callable[[LeadRow], str]  # the note that it was withdrawn, for the staff
    admin_alert: Callable[[LeadRow, str], str]  # for the admins: it has not arrived (reason)
    passed_on: Callable[[LeadRow], str]  # for the person: their saved application arrived
    # The staff's status buttons under an application (None: no buttons).
    buttons: Callable[[LeadRow], InlineKeyboardMarkup | None] | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    sent: bool
    error: str | None = None  # why not: Telegram's words, or another short reason


def backoff(attempts: int) -> float:
    """The pause after `attempts` failed attempts (1 or more)."""
    return BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1]


def _lasting(error: TelegramAPIError | None) -> bool:
    """Whether the failure will stay until a person does something about it."""
    return error is None or isinstance(
        error, TelegramForbiddenError | TelegramBadRequest | TelegramNotFound
    )


class LeadOutbox:
    def __init__(
        self,
        db: Database,
        i18n: I18n,
        default_locale: str,
        *,
        staff_chats: list[int],
        admin_ids: Collection[int],
        views: LeadViews,
        holder: str,
        clock: Callable[[], float] = time.time,
        every: float = CHECK_EVERY_SECONDS,
    ) -> None:
        self._db = db
        self._i18n = i18n
        self._default_locale = default_locale
        self._staff_chats = list(staff_chats)
        self._admin_ids = sorted(admin_ids)
        self._views = views
        self.holder = holder
        self.clock = clock  # public: tests move time
        self._every = every
        self._background = BackgroundTask("lead-outbox", self._loop)

    def claim(self) -> Claim:
        """A claim for a job this process is about to try at once."""
        return Claim(self.holder, self.clock() + CLAIM_SECONDS)

    # --- the background loop ---------------------------------------------------------------

    def start(self, bot: Bot) -> None:
        self._background.start(bot)

    async def stop(self) -> None:
        await self._background.stop()

    async def _loop(self, bot: Bot) -> None:
        # A start (often after the settings were fixed) tries everything waiting at once.
        everything = True
        while True:
            try:
                await self.tick(bot, everything=everything)
            except Exception:  # the loop outlives one bad moment of the database or network
                logger.exception("Undelivered applications could not be processed")
            everything = False
            await asyncio.sleep(self._every)

    async def tick(self, bot: Bot, *, everything: bool = False) -> int:
        """Try every job that is due (`everything`: every job nobody is trying now), and those
        of processes that are gone; returns how many arrived."""
        now = self.clock()
        async with self._db.autocommit() as repos:
            jobs = await repos.outbox.candidates(math.inf if everything else now, BATCH)
        arrived = 0
        for job in jobs:
            if self._busy(job, now):
                continue  # another process (or a handler here) is trying it right now
            if (await self.deliver(bot, job.id, tell_person=True)).sent:
                arrived += 1
        return arrived

    @staticmethod
    def _busy(job: OutboxJob, now: float) -> bool:
        """Someone (this process included) is trying the job right now."""
        return job.claimed_by is not None and job.due_at > now and not is_gone(job.claimed_by)

    # --- one attempt -----------------------------------------------------------------------

    async def deliver(self, bot: Bot, job_id: int, *, tell_person: bool) -> Delivery:
        """Try one job now. `tell_person`: the person was not answered by the caller, so they
        hear from the bot when their application arrives."""
        now = self.clock()
        async with self._db.autocommit() as repos:
            job = await repos.outbox.get(job_id)
            if job is None or job.status != "pending":
                return Delivery(sent=job is not None and job.status == "sent")
            if job.claimed_by != self.holder and (
                self._busy(job, now)
                or not await repos.outbox.claim(
                    job.id, holder=self.holder, expected=job.claimed_by, until=now + CLAIM_SECONDS
                )
            ):
                return Delivery(sent=False, error="being sent by another process")
            lead = await repos.leads.get(job.lead_id)
            if lead is None or (job.kind == "lead" and lead.withdrawn):
                await repos.outbox.cancel(job.id)
                return Delivery(sent=False)
            linked = await repos.relay.of_lead(lead.id) if job.kind == "withdrawal" else []
            centre_chat = (
                await repos.centres.chat_of(lead.center_id) if lead.center_id is not None else None
            )
        try:
            accepted, error = await self._send(bot, job, lead, linked, centre_chat)
        except Exception:  # a bug must not leave the job claimed until the claim runs out
            logger.exception("Application %d: notice %d failed", lead.id, job.id)
            accepted, error = [], None
            reason = "unexpected error"
        else:
            reason = error.message if error is not None else NO_STAFF_CHAT
        if accepted:
            async with self._db.transaction() as tx:
                for chat_id, message_id in accepted:
                    await tx.relay.remember(chat_id, message_id, lead.user_id, lead.id)
                await tx.outbox.sent(job.id)
                if job.kind == "lead":
                    await tx.leads.mark_delivered(lead.id)
            if job.attempts or tell_person:
                logger.info("Application %d reached the staff (notice %d)", lead.id, job.id)
            if tell_person and job.kind == "lead":
                await self._tell_person(bot, lead)
            return Delivery(sent=True)
        attempts = job.attempts + 1
        async with self._db.autocommit() as repos:
            await repos.outbox.failed(job.id, error=reason, retry_at=now + backoff(attempts))
        logger.warning(
            "Application %d: notice %d not delivered (attempt %d): %s",
            lead.id,
            job.id,
            attempts,
            reason,
        )
        if not job.admins_told and (_lasting(error) or attempts >= TELL_ADMINS_AFTER):
            await self._tell_admins(bot, job, lead, reason)
        return Delivery(sent=False, error=reason)

    async def _send(
        self,
        bot: Bot,
        job: OutboxJob,
        lead: LeadRow,
        linked: list[tuple[int, int]],
        centre_chat: int | None = None,
    ) -> tuple[list[tuple[int, int]], TelegramAPIError | None]:
        """Send the notice; (chat id, message id) of each copy a staff chat accepted, and the
        last error. An application goes to its centre's staff chat; when it has none, or that
        chat refuses it, to the network's (the consultant chat, else the network admins)."""
        markup = None
        with self._i18n.context(), self._i18n.use_locale(self._default_locale):
            if job.kind == "lead":
                text = await self._views.notice(self._db, lead)
                markup = self._views.buttons(lead) if self._views.buttons else None
            else:
                text = self._views.withdrawal(lead)
        if linked:  # a note goes where the application is, as a reply to it
            return await self._post(bot, dict(linked), text, None)
        if centre_chat is not None:
            accepted, error = await self._post(bot, {centre_chat: None}, text, markup)
            if accepted:
                return accepted, error
            logger.warning(
                "Application %d: the staff chat of %s refused it, trying the network's",
                lead.id,
                lead.center_id,
            )
        network = {chat_id: None for chat_id in self._staff_chats if chat_id != centre_chat}
        return await self._post(bot, network, text, markup)

    async def _post(
        self,
        bot: Bot,
        targets: Mapping[int, int | None],
        text: str,
        markup: InlineKeyboardMarkup | None,
    ) -> tuple[list[tuple[int, int]], TelegramAPIError | None]:
        accepted: list[tuple[int, int]] = []
        error: TelegramAPIError | None = None
        for chat_id, reply_to in targets.items():
            reply = (
                ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
                if reply_to is not None
                else None
            )
            try:
                message = await bot.send_message(
                    chat_id, text, reply_parameters=reply, reply_markup=markup
                )
            except TelegramAPIError as failure:
                error = failure
            else:
                accepted.append((chat_id, message.message_id))
        return accepted, error

    async def _tell_admins(self, bot: Bot, job: OutboxJob, lead: LeadRow, reason: str) -> None:
        """Once per application: the admins learn that it has not arrived and why."""
        with self._i18n.context(), self._i18n.use_locale(self._default_locale):
            text = self._views.admin_alert(lead, reason)
        told = not self._admin_ids  # nobody to tell: the log line above is all there is
        for admin_id in self._admin_ids:
            try:
                await bot.send_message(admin_id, text)
            except TelegramAPIError as error:
                logger.warning(
                    "Admin %d not told about application %d: %s", admin_id, lead.id, error.message
                )
            else:
                told = True
        if told:
            async with self._db.autocommit() as repos:
                await repos.outbox.mark_admins_told(job.id)

    async def _tell_person(self, bot: Bot, lead: LeadRow) -> None:
        async with self._db.autocommit() as repos:
            person = await repos.users.get(lead.user_id)
        locale = (person.locale if person else None) or self._default_locale
        with self._i18n.context(), self._i18n.use_locale(locale):
            text = self._views.passed_on(lead)
        try:
            await bot.send_message(lead.user_id, text)
        except TelegramForbiddenError:
            async with self._db.autocommit() as repos:
                await repos.users.set_blocked(lead.user_id, blocked=True)
        except TelegramAPIError as error:
            logger.warning("Person of application %d not told: %s", lead.id, error.message)
