"""One process at a time runs the background work: broadcasts and reminders.

Several bot processes (webhook workers on one host) may share the database. Any of them
handles any update, but a broadcast must go out from one sender and a reminder once, so that
work runs only in the process holding the `workers` lease (`storage.leases`). The holder
renews the lease every third of its lifetime and gives it up on a clean stop; the others try
to take it just as often. When the holder dies, its lease expires and another process takes
over — at once when the holder was a process on this host that no longer exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable

from storage.db import Database

logger = logging.getLogger(__name__)

WORKERS_LEASE = "workers"

Hook = Callable[[], Awaitable[None]]


def this_host() -> str:
    """The host name, plus the process id namespace where the system has them: a process id
    names one process only within its namespace (containers may share a host name)."""
    host = socket.gethostname()
    with contextlib.suppress(OSError):
        host += "/" + os.readlink("/proc/self/ns/pid").removeprefix("pid:")
    return host


def new_holder_id() -> str:
    """`host:pid:random`; the random part tells apart holders within one process."""
    return f"{this_host()}:{os.getpid()}:{secrets.token_hex(4)}"


def holder_pid(holder: str) -> int | None:
    parts = holder.rsplit(":", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def is_gone(holder: str) -> bool:
    """True only when `holder` is a process on this host that no longer exists. Elsewhere,
    or when unsure, the lease has to expire."""
    pid = holder_pid(holder)
    if pid is None or os.name != "posix" or holder.rsplit(":", 2)[0] != this_host():
        return False
    if pid == os.getpid():
        return False  # another holder in this very process: alive by definition
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return True
    except OSError:
        return False  # exists, owned by someone else
    return False


class LeaseKeeper:
    """Takes, renews and releases one lease for this process and runs `on_acquired` /
    `on_lost` as it changes hands."""

    def __init__(
        self,
        db: Database,
        *,
        seconds: float,
        name: str = WORKERS_LEASE,
        holder: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self.seconds = seconds
        self.name = name
        self.holder = holder or new_holder_id()
        self._clock = clock  # wall time: holders in other processes compare against it
        self.held = False
        self._expires_at = 0.0
        self._told_waiting = False
        self._on_acquired: Hook | None = None
        self._on_lost: Hook | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def every(self) -> float:
        """How often the lease is renewed, or tried by a process without it."""
        return self.seconds / 3

    async def start(self, on_acquired: Hook, on_lost: Hook) -> bool:
        """Try at once, so a lone process starts its work before the first update, then
        keep renewing or trying in the background. Returns whether the lease is held."""
        self._on_acquired, self._on_lost = on_acquired, on_lost
        await self._attempt()
        self._task = asyncio.create_task(self._loop(), name=f"lease-{self.name}")
        return self.held

    async def stop(self) -> None:
        """Stop trying; when held, stop the work first, then give the lease up so that
        another process takes over without waiting for it to expire."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if not self.held:
            return
        await self._lose()
        await self._release()

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await self._attempt()
            except Exception:  # the work did not start: give the lease to whoever can
                logger.exception("The work of the %r lease could not start", self.name)
                if self.held:
                    await self._lose()
                    await self._release()

    async def _attempt(self) -> None:
        now = self._clock()
        try:
            taken, previous = await self._take(now)
        except Exception as error:  # a busy or broken database must not end the loop
            logger.warning("The %r lease could not be renewed or taken: %s", self.name, error)
            if self.held and self._clock() >= self._expires_at:
                logger.warning("The %r lease has expired: stopping its work", self.name)
                await self._lose()
            return
        if taken:
            self._expires_at = now + self.seconds
            if not self.held:
                self.held = True
                self._told_waiting = False
                if previous is not None:
                    logger.warning("Took the %r lease from %s, which is gone", self.name, previous)
                logger.info("This process (%s) holds the %r lease", self.holder, self.name)
                assert self._on_acquired is not None
                await self._on_acquired()
        elif self.held:
            logger.warning("The %r lease was taken by another process: stopping", self.name)
            await self._lose()
        elif not self._told_waiting:
            self._told_waiting = True
            logger.info("Another process holds the %r lease; this one stands by", self.name)

    async def _take(self, now: float) -> tuple[bool, str | None]:
        """(taken, the previous holder when it was taken from a process that is gone)."""
        async with self._db.autocommit() as repos:
            if await repos.leases.acquire(self.name, self.holder, now=now, seconds=self.seconds):
                return True, None
            current = await repos.leases.get(self.name)
            if current is not None and is_gone(current.holder):
                taken = await repos.leases.take_from(
                    self.name, current.holder, self.holder, now=now, seconds=self.seconds
                )
                return taken, current.holder if taken else None
        return False, None

    async def _lose(self) -> None:
        assert self._on_lost is not None
        try:
            await self._on_lost()
        except Exception:
            logger.exception("The work of the %r lease did not stop cleanly", self.name)
        # Not reached when cancelled halfway: `stop` then stops the work again.
        self.held = False

    async def _release(self) -> None:
        try:
            async with self._db.autocommit() as repos:
                await repos.leases.release(self.name, self.holder)
        except Exception as error:  # it expires by itself
            logger.warning("The %r lease was not released: %s", self.name, error)
