"""The broadcaster: copies an admin's message to every recipient of a broadcast, at a steady
rate, surviving flood control, blocked people and restarts.

- The queue is durable (`storage.broadcasts`): recipient rows exist before the first send, are
  taken in small batches, and each send is recorded as soon as Telegram answers.
- A pool of `concurrency` senders shares one `Pacer`, so the target rate holds even when every
  request takes 100–300 ms. A 429 pauses the whole pool for `retry_after`, and the same
  recipient is tried again: flood control never marks anyone failed.
- Blocked or deactivated people (403, "chat not found") are marked inactive and skipped by
  later broadcasts; other errors are retried with backoff, then recorded as failed.
- Each recipient is checked again right before each send attempt, because the list is fixed
  when the broadcast is created: a person who blocked the bot since then (as Telegram told us)
  is recorded as blocked, one who withdrew consent or used /forget as skipped — with no send.
- At-least-once: after a crash, sends that were in flight go back to the queue, so the only
  possible duplicates are those (at most `concurrency`). Nobody is skipped.
- One message to the admin shows progress, edited at most every `progress_every` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.runtime.retry import CALLER_HANDLES_FLOOD
from storage.broadcasts import BroadcastRow, Counts, RecipientStatus
from storage.db import Database

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
DEFAULT_CONCURRENCY = 8  # sends in flight at once
BACKOFF_SECONDS = 0.5
CLAIM_SIZE = 64
SCHEDULER_SECONDS = 15.0
_GONE = ("chat not found", "user is deactivated", "bot was blocked", "peer_id_invalid")
# Why a recipient got no send, as recorded in `broadcast_recipients.error`.
BLOCKED_BEFORE = "blocked the bot before the send"
NO_CONSENT = "no consent at the time of sending"
NO_NEWS = "news switched off at the time of sending"
FORGOTTEN = "data deleted (/forget) before the send"


class Pacer:
    """Hands out send slots at `rate` per second to any number of senders; `pause` holds
    every sender until the time Telegram asked for has passed."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._paused_until = 0.0

    async def slot(self) -> None:
        while True:
            now = self._clock()
            paused_until = self._paused_until
            start = max(now, self._next, paused_until)
            self._next = start + self.interval  # no await before this: slots never collide
            if start > now:
                await self._sleep(start - now)
            if self._paused_until == paused_until:
                return
            # Telegram asked for a pause while this sender waited: a new slot after it.

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)


@dataclass(slots=True)
class Progress:
    """Counts of one run, kept in memory (a million-row COUNT every few seconds would not
    be): taken from the database at the start, then counted up as sends are recorded."""

    counts: Counts
    started: float = field(default_factory=time.monotonic)
    sent_this_run: int = 0

    def add(self, status: RecipientStatus) -> None:
        c = self.counts
        self.counts = Counts(
            pending=c.pending - 1,
            sending=c.sending,
            sent=c.sent + (status == "sent"),
            blocked=c.blocked + (status == "blocked"),
            failed=c.failed + (status == "failed"),
            skipped=c.skipped + (status == "skipped"),
        )
        self.sent_this_run += 1

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.sent_this_run / elapsed if elapsed > 0 else 0.0


class ProgressView(Protocol):
    """The admin's progress message of a broadcast: its text and buttons. Passed in by the
    app, because texts live with the admin handlers; `final` once the run has ended."""

    def __call__(
        self, row: BroadcastRow, progress: Progress, final: bool, /
    ) -> tuple[str, InlineKeyboardMarkup | None]: ...


class Broadcaster:
    def __init__(
        self,
        db: Database,
        i18n: I18n,
        locale: str,
        *,
        view: ProgressView,
        rate: float,
        concurrency: int = DEFAULT_CONCURRENCY,
        progress_every: float = 3.0,
    ) -> None:
        self._db = db
        self._i18n = i18n
        self._locale = locale
        self.rate = rate
        self.concurrency = concurrency
        self.progress_every = progress_every
        self.pacer = Pacer(rate)
        self._view = view
        self._runs: dict[int, asyncio.Task[None]] = {}
        self._halted: set[int] = set()
        self._scheduler: asyncio.Task[None] | None = None
        self._stopping = False
        # False in a process without the workers' lease (bot.workers.lease): the holder sends, and
        # its scheduler picks up broadcasts started here from the database.
        self.active = True

    # --- control -----------------------------------------------------------------------------

    def start(self, bot: Bot, broadcast_id: int) -> None:
        """Send a running broadcast (no-op when it is being sent already)."""
        if not self.active or self._stopping or broadcast_id in self._runs:
            return
        self._halted.discard(broadcast_id)
        task = asyncio.create_task(self._run(bot, broadcast_id), name=f"broadcast-{broadcast_id}")
        self._runs[broadcast_id] = task
        task.add_done_callback(lambda _t: self._runs.pop(broadcast_id, None))

    def halt(self, broadcast_id: int) -> None:
        """Stop taking recipients of a paused or cancelled broadcast at once."""
        self._halted.add(broadcast_id)

    def is_sending(self, broadcast_id: int) -> bool:
        return broadcast_id in self._runs

    async def wait(self, broadcast_id: int) -> None:
        task = self._runs.get(broadcast_id)
        if task is not None:
            await asyncio.shield(task)

    async def resume(self, bot: Bot) -> list[int]:
        """At start-up: in-flight sends back to the queue, running broadcasts continue, and
        the scheduler starts. Also when this process takes the work over again."""
        self._stopping = False
        async with self._db.transaction() as tx:
            requeued = await tx.broadcasts.requeue_in_flight()
            running = await tx.broadcasts.with_status("running")
        if requeued:
            logger.warning("Requeued %d sends that were in flight at the last stop", requeued)
        for row in running:
            self.start(bot, row.id)
        self._scheduler = asyncio.create_task(self._schedule(bot), name="broadcast-scheduler")
        return [row.id for row in running]

    async def stop(self, timeout: float) -> None:
        """Stop taking recipients, let the sends under way finish and be recorded."""
        self._stopping = True
        if self._scheduler is not None:
            self._scheduler.cancel()
        self._halted.update(self._runs)
        runs = list(self._runs.values())
        if runs:
            _done, pending = await asyncio.wait(runs, timeout=timeout)
            for task in pending:
                task.cancel()

    async def _schedule(self, bot: Bot) -> None:
        while True:
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            try:
                async with self._db.transaction() as tx:
                    due = await tx.broadcasts.due(now)
                    for row in due:
                        await tx.broadcasts.set_status(row.id, "running", only_from=("scheduled",))
                    # With them, those started or resumed by another process of the bot.
                    running = await tx.broadcasts.with_status("running")
                for row in running:
                    self.start(bot, row.id)
            except Exception:  # the loop must outlive one bad moment of the database
                logger.exception("Scheduled broadcasts could not be checked")
            await asyncio.sleep(SCHEDULER_SECONDS)

    # --- one run -------------------------------------------------------------------------------

    async def _run(self, bot: Bot, broadcast_id: int) -> None:
        CALLER_HANDLES_FLOOD.set(True)
        async with self._db.autocommit() as repos:
            row = await repos.broadcasts.get(broadcast_id)
            counts = await repos.broadcasts.counts(broadcast_id)
        if row is None or row.status != "running":
            return
        progress = Progress(counts)
        queue: asyncio.Queue[int | None] = asyncio.Queue(maxsize=CLAIM_SIZE)
        senders = [
            asyncio.create_task(self._sender(bot, row, queue, progress))
            for _ in range(self.concurrency)
        ]
        reporter = asyncio.create_task(self._report(bot, row, progress))
        try:
            await self._feed(row, queue)
        finally:
            for _ in senders:
                await queue.put(None)
            for outcome in await asyncio.gather(*senders, return_exceptions=True):
                if isinstance(outcome, Exception):
                    # Its recipient stays "sending" and goes back to the queue on restart.
                    logger.error("A sender of broadcast %d stopped", row.id, exc_info=outcome)
            reporter.cancel()
            await self._finish(bot, row, progress)

    async def _feed(self, row: BroadcastRow, queue: asyncio.Queue[int | None]) -> None:
        while row.id not in self._halted:
            async with self._db.autocommit() as repos:
                current = await repos.broadcasts.get(row.id)
                if current is None or current.status != "running":
                    # Paused or cancelled by an admin whose tap another process handled.
                    self.halt(row.id)
                    return
                batch = await repos.broadcasts.claim(row.id, CLAIM_SIZE)
            if not batch:
                return
            for index, user_id in enumerate(batch):
                if row.id in self._halted:
                    async with self._db.autocommit() as repos:
                        await repos.broadcasts.unclaim(row.id, batch[index:])
                    return
                await queue.put(user_id)

    async def _sender(
        self, bot: Bot, row: BroadcastRow, queue: asyncio.Queue[int | None], progress: Progress
    ) -> None:
        while (user_id := await queue.get()) is not None:
            if row.id in self._halted:
                async with self._db.autocommit() as repos:
                    await repos.broadcasts.unclaim(row.id, [user_id])
                continue
            status, error = await self._deliver(bot, row, user_id)
            async with self._db.autocommit() as repos:
                await repos.broadcasts.record(row.id, user_id, status, error)
                if status == "blocked" and error != BLOCKED_BEFORE:
                    await repos.users.set_blocked(user_id, blocked=True)
            progress.add(status)

    async def _not_to_send(self, user_id: int) -> tuple[RecipientStatus, str] | None:
        """Why this person must not get the message now, if they must not."""
        async with self._db.autocommit() as repos:
            person = await repos.users.get(user_id)
        if person is None:
            return "skipped", FORGOTTEN
        if person.is_blocked:
            return "blocked", BLOCKED_BEFORE
        if not person.has_consent:
            return "skipped", NO_CONSENT
        if not person.wants_news:
            return "skipped", NO_NEWS
        return None

    async def _deliver(
        self, bot: Bot, row: BroadcastRow, user_id: int
    ) -> tuple[RecipientStatus, str | None]:
        failures = 0
        while True:
            await self.pacer.slot()
            # Right before every attempt: a 429 pause or a retry may last long enough for the
            # person to block the bot or withdraw consent.
            refused = await self._not_to_send(user_id)
            if refused is not None:
                return refused
            try:
                await bot.copy_message(user_id, row.source_chat_id, row.source_message_id)
            except TelegramRetryAfter as error:
                # Not a failure of this recipient: everyone waits, then the same one again.
                self.pacer.pause(error.retry_after)
                continue
            except TelegramForbiddenError:
                return "blocked", None
            except TelegramBadRequest as error:
                if any(mark in error.message.lower() for mark in _GONE):
                    return "blocked", error.message[:200]
                failures += 1
                last = error.message
            except (TelegramNetworkError, TelegramAPIError) as error:
                failures += 1
                last = getattr(error, "message", str(error))
            else:
                return "sent", None
            if failures >= MAX_ATTEMPTS:
                return "failed", last[:500]
            await asyncio.sleep(BACKOFF_SECONDS * 2 ** (failures - 1))

    async def _finish(self, bot: Bot, row: BroadcastRow, progress: Progress) -> None:
        async with self._db.transaction() as tx:
            counts = await tx.broadcasts.counts(row.id)
            finished = counts.left == 0 and await tx.broadcasts.set_status(
                row.id, "done", only_from=("running",)
            )
            current = await tx.broadcasts.get(row.id)
        progress.counts = counts
        if current is not None and (finished or current.status in ("paused", "cancelled")):
            text = await self._show(bot, current, progress, final=True)
            if finished and text and current.progress_chat_id is not None:
                # An edit does not notify; the admin should learn that it is over.
                try:
                    await bot.send_message(
                        current.progress_chat_id,
                        text,
                        reply_to_message_id=current.progress_message_id,
                    )
                except TelegramAPIError as error:
                    logger.warning("Report of broadcast %d not sent: %s", row.id, error)

    async def _report(self, bot: Bot, row: BroadcastRow, progress: Progress) -> None:
        while True:
            await self._show(bot, row, progress, final=False)
            await asyncio.sleep(self.progress_every)

    async def _show(
        self, bot: Bot, row: BroadcastRow, progress: Progress, *, final: bool
    ) -> str | None:
        """Edit the progress message; returns the text shown."""
        if row.progress_chat_id is None or row.progress_message_id is None:
            return None
        with self._i18n.context(), self._i18n.use_locale(self._locale):
            text, markup = self._view(row, progress, final)
        try:
            await bot.edit_message_text(
                text,
                chat_id=row.progress_chat_id,
                message_id=row.progress_message_id,
                reply_markup=markup,
            )
        except TelegramRetryAfter:
            pass  # the next report comes in a few seconds anyway
        except TelegramAPIError as error:
            if "not modified" not in str(error):
                logger.warning("Progress of broadcast %d not shown: %s", row.id, error)
        return text
