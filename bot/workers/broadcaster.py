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

Several processes may send one broadcast at once (`shared`: on PostgreSQL every process does;
on SQLite the holder of the workers' lease alone). Then:
- each claims its own batches (`claim` skips rows another is taking) and says every
  `HEARTBEAT_SECONDS` that it is alive; the rows of a sender that is gone — a process on this
  host that no longer exists, or one silent for `SENDER_TIMEOUT` — go back to the queue and
  the others send them. A live sender's rows never do, and each row is checked to be still
  the sender's own right before its send;
- the send slots come from one row of the database (`SharedPacer`): `rate` is the bot's, not
  each process's;
- the progress message is edited by one of them at a time, with counts from the database;
  the end (done, and the report to the admin) and the final state of a pause or a
  cancellation are given once (conditional updates);
- a pause or a cancellation, wherever it was tapped, stops every sender before its next send.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
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
from bot.workers.lease import is_gone, new_holder_id
from storage.broadcasts import BroadcastRow, Counts, RecipientStatus
from storage.db import Database
from storage.sql import Dialect
from storage.users import UserRow

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
DEFAULT_CONCURRENCY = 8  # sends in flight at once
BACKOFF_SECONDS = 0.5
CLAIM_SIZE = 64
SCHEDULER_SECONDS = 15.0
JOIN_SECONDS = 3.0  # with several senders: how soon one joins a broadcast another started
HEARTBEAT_SECONDS = 2.0  # a sender says it is alive this often ...
SENDER_TIMEOUT = 10.0  # ... and is taken for gone after this long without a sign of life
IDLE_SECONDS = 0.5  # nothing to claim, but other senders still have rows out: look again
SLOTS_AHEAD = 0.5  # seconds of send slots a process takes from the shared clock at a time
MAX_SLOTS_AHEAD = 32
MISSED_SLOTS = 2  # a slot this many intervals behind is dropped ...
MISSED_FLOOR = 0.05  # ... or this many seconds, whichever is longer
_GONE = ("chat not found", "user is deactivated", "bot was blocked", "peer_id_invalid")
# Why a recipient got no send, as recorded in `broadcast_recipients.error`.
BLOCKED_BEFORE = "blocked the bot before the send"
NO_CONSENT = "no consent at the time of sending"
NO_NEWS = "news switched off at the time of sending"
FORGOTTEN = "data deleted (/forget) before the send"
# Not recorded: why a sender let a recipient go without a send.
_HALTED = "the broadcast is no longer running"
_NOT_MINE = "another sender has taken this recipient over"


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

    async def slot(self) -> float:
        """Wait for a send slot; returns its time (on `clock`)."""
        while True:
            now = self._clock()
            paused_until = self._paused_until
            start = max(now, self._next, paused_until)
            self._next = start + self.interval  # no await before this: slots never collide
            if start > now:
                await self._sleep(start - now)
            if self._paused_until == paused_until:
                return start

    def missed(self, start: float) -> bool:
        """False: this process sends each slot it took, however late (it alone sends)."""
        return False
        # Telegram asked for a pause while this sender waited: a new slot after it.

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)


class SharedPacer:
    """Send slots at `rate` per second for every process of the bot together: a process takes
    a few slots at a time from one row of the database (`reserve_slots`, on the database's
    clock, so the hosts' clocks do not matter) and hands them to its senders. A 429 pauses
    this process's senders at once and pushes the shared clock past the pause."""

    def __init__(
        self,
        db: Database,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / rate
        self._db = db
        self._clock = clock
        self._sleep = sleep
        self._slots: deque[float] = deque()  # on this process's clock
        self._lock = asyncio.Lock()
        self._paused_until = 0.0
        self._hold = 0.0  # a pause to pass on to the shared clock at the next reservation
        # This process's clock minus the database's, as measured after recent reservations:
        # a slow answer makes one look later than it is, so the smallest is the truest.
        self._offsets: deque[float] = deque(maxlen=16)

    async def slot(self) -> float:
        """Wait for a send slot; returns its time (on `clock`)."""
        while True:
            async with self._lock:
                if not self._slots:
                    await self._reserve()
                start = self._slots.popleft()
            paused_until = self._paused_until
            now = self._clock()
            if start < paused_until or self.missed(start):
                # Within a pause Telegram asked for, or long past (this process was held up):
                # not used, so that sends do not bunch up above the rate.
                continue
            if start > now:
                await self._sleep(start - now)
            if self._paused_until == paused_until:
                return start

    def missed(self, start: float) -> bool:
        """True when the slot at `start` is too far behind to be used now: this process was
        held up after taking it, and a late send would bunch up with the others' on time."""
        return self._clock() - start > max(MISSED_SLOTS * self.interval, MISSED_FLOOR)

    async def _reserve(self) -> None:
        count = max(1, min(MAX_SLOTS_AHEAD, round(SLOTS_AHEAD / self.interval)))
        hold, self._hold = self._hold, 0.0
        async with self._db.autocommit() as repos:
            first, db_now = await repos.broadcasts.reserve_slots(count, self.interval, hold)
        # Measured after the answer: a round trip late at most, never early.
        self._offsets.append(self._clock() - db_now)
        offset = min(self._offsets)
        self._slots.extend(first + offset + k * self.interval for k in range(count))

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        self._hold = max(self._hold, seconds)
        self._slots.clear()


def _refusal(person: UserRow | None) -> tuple[RecipientStatus, str] | None:
    """Why this person must not get a broadcast now, if they must not."""
    if person is None:
        return "skipped", FORGOTTEN
    if person.is_blocked:
        return "blocked", BLOCKED_BEFORE
    if not person.has_consent:
        return "skipped", NO_CONSENT
    if not person.wants_news:
        return "skipped", NO_NEWS
    return None


@dataclass(slots=True)
class Progress:
    """Counts of one run, kept in memory (a million-row COUNT every few seconds would not
    be): taken from the database at the start, then counted up as sends are recorded."""

    counts: Counts
    started: float = field(default_factory=time.monotonic)
    sent_this_run: int = 0
    first_done: int = -1  # done when this run started

    def __post_init__(self) -> None:
        if self.first_done < 0:
            self.first_done = self.counts.done

    def observe(self, counts: Counts) -> None:
        """Counts read from the database (several senders): the rate is the bot's."""
        self.counts = counts
        self.sent_this_run = max(0, counts.done - self.first_done)

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
        shared: bool | None = None,
    ) -> None:
        self._db = db
        self._i18n = i18n
        self._locale = locale
        self.rate = rate
        self.concurrency = concurrency
        self.progress_every = progress_every
        # Several processes send at once (PostgreSQL), or one does (SQLite: the lease holder).
        self.shared = db.dialect is Dialect.postgresql if shared is None else shared
        self.pacer: Pacer | SharedPacer = SharedPacer(db, rate) if self.shared else Pacer(rate)
        self.claimer = new_holder_id()  # names this sender's claims
        self._view = view
        self._runs: dict[int, asyncio.Task[None]] = {}
        self._halted: set[int] = set()
        self._scheduler: asyncio.Task[None] | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._started_any = False
        self._stopping = False
        # False in a process without the workers' lease (bot.workers.lease) when not `shared`:
        # the holder sends, and its scheduler picks up broadcasts started here from the database.
        self.active = True

    # --- control -----------------------------------------------------------------------------

    def start(self, bot: Bot, broadcast_id: int) -> None:
        """Send a running broadcast (no-op when it is being sent already)."""
        if not self.active or self._stopping or broadcast_id in self._runs:
            return
        self._halted.discard(broadcast_id)
        self._started_any = True
        self._keep_alive()
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
        """At start-up: sends left in flight by senders that are gone back to the queue,
        running broadcasts continue, and the scheduler starts. Also when this process takes
        the work over again."""
        self._stopping = False
        await self.requeue_abandoned()
        async with self._db.autocommit() as repos:
            running = await repos.broadcasts.with_status("running")
        for row in running:
            self.start(bot, row.id)
        self._scheduler = asyncio.create_task(self._schedule(bot), name="broadcast-scheduler")
        return [row.id for row in running]

    async def stop(self, timeout: float) -> None:
        """Stop taking recipients, let the sends under way finish and be recorded; what this
        sender still held goes back to the queue for the others."""
        self._stopping = True
        if self._scheduler is not None:
            self._scheduler.cancel()
        self._halted.update(self._runs)
        runs = list(self._runs.values())
        if runs:
            _done, pending = await asyncio.wait(runs, timeout=timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._keeper is not None:
            self._keeper.cancel()
            await asyncio.gather(self._keeper, return_exceptions=True)
            self._keeper = None
        if self._started_any:
            try:
                async with self._db.autocommit() as repos:
                    returned = await repos.broadcasts.requeue_from(self.claimer)
                if returned:
                    logger.warning("%d sends cut short at the stop go back to the queue", returned)
            except Exception as error:  # another sender requeues them once this one is silent
                logger.warning("This sender's claims were not given back: %s", error)

    # --- who is alive ------------------------------------------------------------------------

    def _keep_alive(self) -> None:
        if self._keeper is None or self._keeper.done():
            self._keeper = asyncio.create_task(self._keep(), name="broadcast-heartbeat")

    async def _keep(self) -> None:
        """Say that this sender is alive; give the rows of senders that are gone to the queue."""
        while True:
            try:
                async with self._db.autocommit() as repos:
                    await repos.broadcasts.beat(self.claimer, time.time())
                await self.requeue_abandoned()
            except Exception as error:  # the loop must outlive one bad moment of the database
                logger.warning("Broadcast heartbeat failed: %s", error)
            await asyncio.sleep(HEARTBEAT_SECONDS)
            if not self._runs:  # nothing to send here: quiet until the next run starts
                self._keeper = None
                return

    async def requeue_abandoned(self) -> int:
        """Sends under way by senders that are gone go back to the queue: a process on this
        host that no longer exists at once, any other after `SENDER_TIMEOUT` without a sign of
        life. Claims by no one (made before claims were named) count as gone. Returns how
        many went back."""
        now = time.time()
        silent_since = now - SENDER_TIMEOUT
        requeued = 0
        async with self._db.autocommit() as repos:
            for claimer, seen in await repos.broadcasts.in_flight_claimers():
                if claimer == self.claimer:
                    continue
                if claimer is None or is_gone(claimer):
                    requeued += await repos.broadcasts.requeue_from(claimer)
                elif seen < silent_since:
                    requeued += await repos.broadcasts.requeue_from(
                        claimer, silent_since=silent_since
                    )
            await repos.broadcasts.forget_senders(now - 10 * SENDER_TIMEOUT)
        if requeued:
            logger.warning("Requeued %d sends left in flight by senders that are gone", requeued)
        return requeued

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
            await asyncio.sleep(
                min(SCHEDULER_SECONDS, JOIN_SECONDS) if self.shared else SCHEDULER_SECONDS
            )

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
                batch = await repos.broadcasts.claim(row.id, CLAIM_SIZE, self.claimer, time.time())
                left = 0 if batch or not self.shared else await repos.broadcasts.left(row.id)
            if not batch:
                if not left:
                    return
                # Other senders still have rows out: should one of them die, its rows come
                # back to the queue, and this run sends them.
                await asyncio.sleep(IDLE_SECONDS)
                continue
            for index, user_id in enumerate(batch):
                if row.id in self._halted:
                    async with self._db.autocommit() as repos:
                        await repos.broadcasts.unclaim(row.id, batch[index:], self.claimer)
                    return
                await queue.put(user_id)

    async def _sender(
        self, bot: Bot, row: BroadcastRow, queue: asyncio.Queue[int | None], progress: Progress
    ) -> None:
        while (user_id := await queue.get()) is not None:
            try:
                await self._send_one(bot, row, user_id, progress)
            except Exception:  # one bad moment of the database: the others still go
                # Its row stays "sending"; should this process die, it goes back to the queue.
                logger.exception("Broadcast %d: the send to %d failed", row.id, user_id)

    async def _send_one(
        self, bot: Bot, row: BroadcastRow, user_id: int, progress: Progress
    ) -> None:
        outcome = None if row.id in self._halted else await self._deliver(bot, row, user_id)
        if outcome is None:  # halted: not sent, back to the queue (when still this one's)
            async with self._db.autocommit() as repos:
                await repos.broadcasts.unclaim(row.id, [user_id], self.claimer)
            return
        status, error = outcome
        if error == _NOT_MINE:
            return  # taken over by another sender: it sends and records it
        async with self._db.autocommit() as repos:
            await repos.broadcasts.record(row.id, user_id, status, error)
            if status == "blocked" and error != BLOCKED_BEFORE:
                await repos.users.set_blocked(user_id, blocked=True)
        progress.add(status)

    async def _not_to_send(
        self, broadcast_id: int, user_id: int
    ) -> tuple[RecipientStatus, str] | None:
        """Why this person must not get the message now, if they must not; `_HALTED` when the
        broadcast is no longer running, `_NOT_MINE` when another sender has the row now."""
        async with self._db.autocommit() as repos:
            state = await repos.broadcasts.claim_state(broadcast_id, user_id)
            person = await repos.users.get(user_id)
        if state is not None:  # None: the person used /forget, and their row went too
            status, claimer, broadcast_status = state
            if broadcast_status != "running":
                return "pending", _HALTED
            if status != "sending" or claimer not in (self.claimer, None):
                return "pending", _NOT_MINE
        return _refusal(person)

    async def _deliver(
        self, bot: Bot, row: BroadcastRow, user_id: int
    ) -> tuple[RecipientStatus, str | None] | None:
        """What became of the send; None when the broadcast was halted before it."""
        failures = 0
        retimed = False
        while True:
            start = await self.pacer.slot()
            # Right before every attempt: a 429 pause or a retry may last long enough for the
            # person to block the bot or withdraw consent, or an admin to pause.
            refused = await self._not_to_send(row.id, user_id)
            if refused is not None and refused[1] == _HALTED:
                self.halt(row.id)
                return None
            if refused is not None:
                return refused
            if not retimed and self.pacer.missed(start):
                retimed = True  # once: a process slower than that every time still sends
                continue  # held up since the slot: a new one, so as not to exceed the rate
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
        """The final state, shown once across senders: the one that ends the broadcast (or
        first stops after a pause or a cancellation) edits the progress message, and the end
        is also reported in a message of its own."""
        async with self._db.transaction() as tx:
            counts = await tx.broadcasts.counts(row.id)
            if counts.left == 0:
                await tx.broadcasts.set_status(row.id, "done", only_from=("running",))
            current = await tx.broadcasts.get(row.id)
            reported = await tx.broadcasts.take_report(row.id)
        progress.counts = counts
        if current is None or reported is None:
            return
        text = await self._show(bot, current, progress, final=True)
        if reported == "done" and text and current.progress_chat_id is not None:
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
            if not self.shared:
                await self._show(bot, row, progress, final=False)
            else:
                # One sender edits at a time, with the counts of all of them.
                async with self._db.autocommit() as repos:
                    turn = await repos.broadcasts.take_progress_turn(
                        row.id, now=time.time(), every=self.progress_every * 0.9
                    )
                    counts = await repos.broadcasts.counts(row.id) if turn else None
                if counts is not None:
                    progress.observe(counts)
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
