"""Waiting for a condition that nothing signals: checked often, ended as soon as it holds,
with a deadline long enough for a loaded machine."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Callable

DEADLINE_SECONDS = 30.0
CHECK_EVERY = 0.01


async def until(
    condition: Callable[[], bool | Awaitable[bool]],
    what: str,
    *,
    timeout: float = DEADLINE_SECONDS,
) -> float:
    """Wait for `condition` (a plain or an async check); returns the seconds it took, and
    raises AssertionError naming `what` after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while True:
        held = condition()
        if inspect.isawaitable(held):
            held = await held
        if held:
            return loop.time() - started
        if loop.time() - started > timeout:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(CHECK_EVERY)


class Pulse:
    """Wakes every waiter once per `fire()`; firing is sync, so plain code can fire it.

    A waiter takes `current` before checking its condition and then awaits it, so a fire
    between the check and the await is never missed.
    """

    def __init__(self) -> None:
        self.current = asyncio.Event()

    def fire(self) -> None:
        self.current.set()
        self.current = asyncio.Event()


async def wait_at_most(event: asyncio.Event, timeout: float) -> None:
    """Wait for `event` at most `timeout` seconds; the caller re-checks its condition."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout)
