"""What the benchmarks share: the machine line every one prints first, percentiles and
verdicts, the bare aiogram echo bot they compare with, the real bot on the offline session,
and the tests' fake Bot API with the real `python -m bot` process.

The scripts run as `python bench/<name>.py`, so this folder is on their path, not the
repository root: importing this module puts the root there too, for `tests.support`."""

from __future__ import annotations

import contextlib
import math
import os
import platform
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

from aiogram import Bot, Dispatcher, Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.runtime.offline import OfflineSession
from bot.services.database import open_database
from storage.db import Database

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The token of every benchmark's bot; the fake Bot API takes its number as the bot's id.
TOKEN = "42:BENCH-token"


def machine() -> str:
    """The machine line every benchmark prints first: figures mean little without it."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            names = [
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            ]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    interpreter = f"{platform.python_implementation()} {platform.python_version()}"
    # Other work on the machine takes CPU from the benchmark: its figures depend on it.
    load = ""
    if hasattr(os, "getloadavg"):
        one, five, fifteen = os.getloadavg()
        load = f", load average {one:.1f} {five:.1f} {fifteen:.1f}"
    return (
        f"machine: {platform.platform()}, {cpu}, {os.cpu_count()} CPUs{load}; "
        f"{interpreter}, SQLite {sqlite3.sqlite_version}"
    )


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


@dataclass
class Stopwatch:
    """Wall time of a block: `with stopwatch() as watch: ...; watch.seconds`."""

    started: float = 0.0
    seconds: float = 0.0

    @property
    def ms(self) -> float:
        return self.seconds * 1000


@contextlib.contextmanager
def stopwatch() -> Iterator[Stopwatch]:
    watch = Stopwatch(time.perf_counter())
    try:
        yield watch
    finally:
        watch.seconds = time.perf_counter() - watch.started


def echo_dispatcher() -> Dispatcher:
    """The bare aiogram bot the figures are compared with: MemoryStorage, no middlewares,
    one handler answering a message with its text."""
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


def bare_quiz_dispatcher() -> Dispatcher:
    """The least any quiz must do per answer, in bare aiogram: answer the tap and redraw the
    question with a fresh seven-button keyboard (MemoryStorage, no middlewares). Its callback
    data is `q:a:x:<question>:<value>`; the redraw shows the next question."""
    router = Router()

    @router.callback_query()
    async def redraw(query: CallbackQuery) -> None:
        await query.answer()
        step = int((query.data or "0").rsplit(":", 2)[-2]) + 1
        rows = [
            [InlineKeyboardButton(text=f"{label} {step}", callback_data=f"q:a:x:{step}:{value}")]
            for value, label in enumerate(("++", "+", "=", "-", "--"))
        ]
        rows.append(
            [
                InlineKeyboardButton(text="back", callback_data=f"q:b:x:{step}:0"),
                InlineKeyboardButton(text="pause", callback_data=f"q:p:x:{step}:0"),
            ]
        )
        assert isinstance(query.message, Message)
        await query.message.edit_text(
            f"Вопрос {step + 1} из 30", reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
        )

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


def load_average() -> str:
    """The one-minute load average, printed beside each figure: other work on the machine
    takes CPU from the benchmark."""
    return f"load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "load ?"


def bench_settings(
    folder: Path, *, database_url: str | None = None, redis_url: str | None = None
) -> Settings:
    """Defaults, nothing from the environment or `.env`; the database in `folder`, or the one
    of `database_url`; the conversation state in Redis when `redis_url` is given."""
    return Settings(
        _env_file=None,
        database_path=folder / "bench.sqlite3",
        database_url=database_url,
        redis_url=redis_url,
    )


@dataclass(frozen=True)
class RealBot:
    db: Database
    bot: Bot
    dispatcher: Dispatcher


@contextlib.asynccontextmanager
async def real_bot(
    folder: Path,
    session: OfflineSession,
    *,
    database_url: str | None = None,
    redis_url: str | None = None,
) -> AsyncIterator[RealBot]:
    """The production dispatcher (throttling included) on a fresh database in `folder` (or
    the fresh one of `database_url`), answering through `session`, its conversation state in
    Redis when `redis_url` is given; the database is closed afterwards."""
    settings = bench_settings(folder, database_url=database_url, redis_url=redis_url)
    db = await open_database(settings.database)
    try:
        bot = create_bot(settings, session=session, token=TOKEN)
        dispatcher = create_dispatcher(settings, db)
        try:
            yield RealBot(db, bot, dispatcher)
        finally:
            await dispatcher.storage.close()
    finally:
        await db.close()


# --- PostgreSQL and Redis for the benchmarks that measure them ---------------------------------

# The server the benchmarks make their fresh databases on, when POSTGRES_TEST_URL is not set.
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:55432/postgres"


def postgres_server(given: str | None = None) -> str:
    """The PostgreSQL server to make fresh databases on: `given`, POSTGRES_TEST_URL, or the
    local one."""
    return given or os.environ.get("POSTGRES_TEST_URL") or LOCAL_POSTGRES


@contextlib.asynccontextmanager
async def fresh_postgres(server: str) -> AsyncIterator[str]:
    """A new empty database on `server` (its URL), dropped afterwards."""
    from tests.support.postgres import drop_database, fresh_database  # noqa: PLC0415

    url = await fresh_database(server)
    try:
        yield url
    finally:
        await drop_database(url, server)


async def postgres_version(url: str) -> str:
    """`PostgreSQL 15.8`, for the figures of a run on PostgreSQL."""
    import asyncpg  # noqa: PLC0415

    conn = await asyncpg.connect(url)
    try:
        return "PostgreSQL " + str(await conn.fetchval("SHOW server_version")).split()[0]
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def private_redis(url: str | None = None) -> AsyncIterator[str]:
    """`url`, or a `redis-server` of this run on a free port (no persistence), stopped
    afterwards."""
    if url:
        yield url
        return
    import asyncio  # noqa: PLC0415
    import shutil  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    from tests.support.processes import free_port, kill  # noqa: PLC0415

    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("no redis-server on PATH: install it or give --redis-url")
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        proc = await asyncio.create_subprocess_exec(
            binary,
            "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
            "--dir", folder,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 15
            while True:
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit("redis-server did not start") from None
                    await asyncio.sleep(0.1)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            await kill(proc)
