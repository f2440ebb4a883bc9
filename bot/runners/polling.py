"""`python -m bot run`: poll Telegram for updates until stopped.

The health monitor runs beside the polling loop (see `bot/runtime/health.py`). When the
database file is deleted or replaced under the bot, polling stops, so the updates wait at
Telegram instead of being answered from a file nobody will see again; the process stays up,
unhealthy (`/healthz` 503, `HEALTH_FILE` removed), until it is stopped, and then exits with
`EXIT_DATABASE_LOST`. It does not exit by itself: a restart policy would start it on a new,
empty database and hide the loss.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.runners.signals import stop_on_signals
from bot.runtime import startup
from bot.runtime.health import EXIT_DATABASE_LOST, HealthMonitor, serve_health
from bot.runtime.heap import settle_heap
from bot.services.database import open_database

if TYPE_CHECKING:
    from aiohttp import web


async def run_polling(settings: Settings) -> int:
    token = settings.require_token()
    db = await open_database(settings.database)
    startup.mark("database")
    try:
        bot = create_bot(settings, token=token)
        dispatcher = create_dispatcher(settings, db)
        startup.mark("dispatcher")
        # Last of the start-up hooks: what start-up built is frozen (bot/runtime/heap.py).
        dispatcher.startup.register(settle_heap)
        dispatcher.startup.register(startup.log_ready)
        monitor = HealthMonitor(
            db, interval=settings.health_interval, health_file=settings.health_file
        )
        server: web.AppRunner | None = None
        try:
            if settings.health_port is not None:
                server = await serve_health(monitor, settings)
            await bot.delete_webhook(drop_pending_updates=False)
        except BaseException:
            await bot.session.close()
            if server is not None:
                await server.cleanup()
            raise
        monitor.start()
        try:
            return await _poll(dispatcher, bot, monitor)
        finally:
            await monitor.stop()
            if server is not None:
                await server.cleanup()
    finally:
        await db.close()


async def _poll(dispatcher: Dispatcher, bot: Bot, monitor: HealthMonitor) -> int:
    polling = asyncio.create_task(dispatcher.start_polling(bot, polling_timeout=30))
    lost = asyncio.create_task(monitor.lost.wait())
    try:
        await asyncio.wait({polling, lost}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        lost.cancel()
    if not monitor.lost.is_set():
        await polling  # stopped by a signal, or failed: its exception goes on up
        return 0
    # From here a stop signal ends the process, also one that comes while polling winds down.
    stopped = asyncio.Event()
    with stop_on_signals(stopped):
        try:
            await dispatcher.stop_polling()  # shutdown hooks run as usual
        except RuntimeError:  # lost before polling began
            polling.cancel()
        with contextlib.suppress(asyncio.CancelledError, TelegramNetworkError):
            await polling
        await stopped.wait()
    return EXIT_DATABASE_LOST
