"""Shutdown waits for updates that are still being handled."""

from __future__ import annotations

import asyncio

from aiogram.types import TelegramObject

from bot.runtime.middlewares import InFlightMiddleware
from tests.support.waits import until


async def test_drain_waits_for_updates_in_progress() -> None:
    in_flight = InFlightMiddleware()
    release = asyncio.Event()
    finished: list[int] = []

    async def slow_handler(event: TelegramObject, data: dict[str, object]) -> None:
        await release.wait()
        finished.append(1)

    tasks = [asyncio.create_task(in_flight(slow_handler, TelegramObject(), {})) for _ in range(3)]
    await until(lambda: in_flight.running == 3, "three updates in progress")
    assert await in_flight.drain(0.05) is False  # still busy: shutdown would wait longer

    release.set()
    assert await in_flight.drain(1.0) is True
    assert finished == [1, 1, 1] and in_flight.running == 0
    await asyncio.gather(*tasks)


async def test_drain_returns_at_once_when_idle() -> None:
    assert await InFlightMiddleware().drain(0.01) is True
