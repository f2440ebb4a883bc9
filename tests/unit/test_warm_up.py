"""The towns table and the search indexes are built after start-up, then frozen; the start-up
hook only schedules them, and a stop cancels a warm-up still waiting."""

from __future__ import annotations

import asyncio
import gc

from aiogram import Dispatcher

from bot.app import _warming, stop_warming, warm_later, warm_up
from bot.runtime.services import Services
from tests.support.sql import query


async def test_the_warm_up_reads_the_towns_and_builds_the_search_index(
    dispatcher: Dispatcher,
) -> None:
    services: Services = dispatcher["services"]
    frozen_before = gc.get_freeze_count()
    try:
        await warm_up(services)
        assert [m.town.name_ru for m in services.places.mentioned("живу в Кунгуре") if m.town] == [
            "Кунгур"
        ]
        phrases = await query(services.db, "SELECT count(*) FROM search_phrases")
        assert phrases[0][0] > 150  # the occupations' and the FAQ's phrasings
        assert gc.get_freeze_count() > frozen_before  # what it built is out of collections
    finally:
        gc.unfreeze()


async def test_the_start_up_hook_only_schedules_and_a_stop_cancels_it(
    dispatcher: Dispatcher,
) -> None:
    services: Services = dispatcher["services"]
    await warm_later(services)
    loop = asyncio.get_running_loop()
    (task,) = [t for t in _warming if t.get_loop() is loop]
    assert not task.done()  # it waits a moment: the first updates come first
    await stop_warming()
    assert task.cancelled()
