"""Several instances of the bot on one database file, in one test process: each with its own
connection, dispatcher and start-up, as separate processes would have."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from aiogram import Bot, Dispatcher

from bot.app import create_bot
from bot.config import Settings
from bot.runtime.offline import OfflineSession
from bot.workers.lease import WORKERS_LEASE
from storage.connect import connect, sqlite_url
from storage.db import Database
from storage.leases import Lease
from tests.support.settings import TEST_TOKEN


@contextlib.asynccontextmanager
async def two_connections(target: Path | str) -> AsyncIterator[tuple[Database, Database]]:
    """Two processes' views of one database (a SQLite file, or a URL)."""
    url = target if isinstance(target, str) else sqlite_url(target)
    first, second = await connect(url), await connect(url)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


def make_bot(settings: Settings, session: OfflineSession) -> Bot:
    return create_bot(settings, session=session, token=TEST_TOKEN)


async def start_up(dispatcher: Dispatcher, bot: Bot) -> None:
    await dispatcher.emit_startup(bot=bot, **dispatcher.workflow_data)


async def shut_down(dispatcher: Dispatcher, bot: Bot) -> None:
    await dispatcher.emit_shutdown(bot=bot, **dispatcher.workflow_data)


async def lease_row(db: Database) -> Lease | None:
    """The workers' lease as the database has it."""
    async with db.autocommit() as repos:
        return await repos.leases.get(WORKERS_LEASE)
