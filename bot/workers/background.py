"""One background task a worker runs while this process holds the workers lease."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiogram import Bot

logger = logging.getLogger(__name__)


class BackgroundTask:
    """Starts `run(bot)` once, and cancels it on stop (waiting until it has ended)."""

    def __init__(self, name: str, run: Callable[[Bot], Coroutine[Any, Any, None]]) -> None:
        self._name = name
        self._run = run
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self, bot: Bot) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(bot), name=self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


def repeating(
    seconds: float, tick: Callable[[Bot], Awaitable[object]], failure: str
) -> Callable[[Bot], Coroutine[Any, Any, None]]:
    """A loop for `BackgroundTask`: `tick(bot)`, then a pause of `seconds`, for ever. A failed
    tick is logged with `failure` and the next one runs: the loop outlives one bad moment of
    the database or the network."""

    async def loop(bot: Bot) -> None:
        while True:
            try:
                await tick(bot)
            except Exception:
                logger.exception(failure)
            await asyncio.sleep(seconds)

    return loop
