"""Broadcast speed and memory: the broadcaster against the fake Bot API over real HTTP.

The broadcaster is built as the bot builds it (`Broadcaster` with its progress view, a Bot
from `create_bot` with the bot's request middlewares), on a fresh SQLite file holding a
running broadcast to everyone, and sends through aiogram's `AiohttpSession` to the tests'
`tests.support.fake_api.FakeBotApi`, which answers each request after `--latency` seconds
(100 ms by default, about what Telegram takes).

    python bench/broadcast_rate.py [--paced 500] [--rate 25] [--concurrency 8]
                                   [--fast 5000] [--fast-concurrency 200] [--latency 0.1]
                                   [--sizes 10000,100000,1000000] [--sends 5000]

(a) paced: `--paced` people at BROADCAST_RATE `--rate` with `--concurrency` senders; the
    achieved rate should be at least 95 % of the target.
(b) unthrottled: `--fast` people at 100 000/s with `--fast-concurrency` senders, in setups
    that tell the limits apart: the broadcaster without HTTP, the fake server in this
    process, the fake server in a process of its own, and an aiohttp connection pool as large
    as the number of senders (aiohttp's default pool is 100). Target: 1 000 messages/s.
(c) memory: for each of `--sizes` recipients, a fresh process sends `--sends` messages of the
    broadcast (fake server in its own process, no latency); its peak RSS and Python heap
    should not grow with the audience.

Every recipient must get the message exactly once, and the database must say so too;
anything else exits with 1. Speed and memory figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods import CopyMessage, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from common import ROOT, TOKEN, machine, verdict

from bot.app import create_bot
from bot.config import Settings
from bot.runtime.i18n import create_i18n
from bot.runtime.offline import OfflineSession
from bot.services.database import open_database
from bot.workers.broadcaster import Broadcaster
from handlers.admin.broadcast import progress_view
from storage.broadcasts import Segment
from storage.db import Database, SqliteDatabase
from tests.support.fake_api import Call, FakeBotApi
from tests.support.sql import raw_connection

ADMIN_ID = 9001
SOURCE_MESSAGE = 77
PROGRESS_MESSAGE = 5
FIRST_ID = 1_000_000
BATCH = 50_000
FAST_RATE = 100_000.0
TARGET_SHARE = 0.95
TARGET_FAST = 1_000.0
FLAT_RATIO = 1.1
AIOHTTP_POOL = 100  # AiohttpSession's default `limit`, which the bot keeps
SERVER_START_SECONDS = 60.0
REPORT_LIMIT = 64 * 2**20  # one line of JSON: the copies of up to a million people
SETTINGS = Settings(_env_file=None)
# The number of senders the bot runs: it leaves Broadcaster's default.
SENDERS = int(inspect.signature(Broadcaster).parameters["concurrency"].default)


# --- the database -------------------------------------------------------------------------


async def fill(db: Database, people: int) -> int:
    """`people` users and a running broadcast to all of them (recipients queued by SQL, as
    the admin handler queues them); returns the broadcast's id."""
    for first in range(0, people, BATCH):
        ids = range(FIRST_ID + first, FIRST_ID + min(first + BATCH, people))
        async with db.transaction() as tx:
            await raw_connection(tx).executemany(
                # Broadcasts go to people who agreed to data storage and want news.
                "INSERT INTO users (id, consent_given_at, news_opt_in) "
                "VALUES (?, '2026-11-01T00:00:00Z', 1)",
                ((i,) for i in ids),
            )
    async with db.transaction() as tx:
        row = await tx.broadcasts.create(
            admin_id=ADMIN_ID,
            source_chat_id=ADMIN_ID,
            source_message_id=SOURCE_MESSAGE,
            segment=Segment("all"),
        )
        await tx.broadcasts.set_progress_message(row.id, ADMIN_ID, PROGRESS_MESSAGE)
    if row.status != "running" or row.total != people:
        raise RuntimeError(f"broadcast queued {row.total} of {people} people as {row.status}")
    return row.id


async def problems_after(
    db: Database, broadcast_id: int, people: int, delivered: Counter[int]
) -> list[str]:
    """What is wrong with a finished broadcast, by the server's record and the database."""
    found = []
    expected = set(range(FIRST_ID, FIRST_ID + people))
    missed = expected - set(delivered)
    strangers = set(delivered) - expected
    twice = sorted(user_id for user_id, n in delivered.items() if n > 1)
    if missed:
        found.append(f"{len(missed)} people got no copy, e.g. {sorted(missed)[:5]}")
    if strangers:
        found.append(f"{len(strangers)} copies went to people not in the audience")
    if twice:
        found.append(f"{len(twice)} people got more than one copy, e.g. {twice[:5]}")
    async with db.autocommit() as repos:
        counts = await repos.broadcasts.counts(broadcast_id)
        row = await repos.broadcasts.get(broadcast_id)
    if (counts.sent, counts.blocked, counts.failed, counts.left) != (people, 0, 0, 0):
        found.append(f"the database says {counts}")
    if row is None or row.status != "done":
        found.append(f"the broadcast ended as {row.status if row else 'missing'}")
    return found


# --- sending ------------------------------------------------------------------------------


def copies(calls: list[Call]) -> Counter[int]:
    """Messages the server delivered, by person (the admin's chat gets progress only)."""
    return Counter(
        int(call.params["chat_id"])
        for call in calls
        if call.method == "copyMessage" and call.status == 200
    )


def http_bot(url: str, pool: int = AIOHTTP_POOL) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(url), limit=pool)
    return create_bot(SETTINGS, session=session, token=TOKEN)


class SlowOfflineSession(OfflineSession):
    """Telegram without HTTP: the answer comes after `latency` seconds."""

    def __init__(self, latency: float) -> None:
        super().__init__()
        self.latency = latency

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        return await super().make_request(bot, method, timeout)

    def delivered(self) -> Counter[int]:
        return Counter(
            int(request.method.chat_id)
            for request in self.requests
            if isinstance(request.method, CopyMessage) and request.method.chat_id != ADMIN_ID
        )


def broadcaster(db: Database, *, rate: float, concurrency: int) -> Broadcaster:
    engine = Broadcaster(
        db, create_i18n("ru"), "ru", view=progress_view, rate=rate, concurrency=concurrency
    )
    return engine


@dataclass(frozen=True, slots=True)
class Run:
    people: int
    seconds: float
    cpu_seconds: float  # of this whole process

    @property
    def rate(self) -> float:
        return self.people / self.seconds

    @property
    def cpu_us(self) -> float:
        return self.cpu_seconds / self.people * 1e6


async def send_all(
    db: Database, bot: Bot, broadcast_id: int, people: int, *, rate: float, concurrency: int
) -> Run:
    engine = broadcaster(db, rate=rate, concurrency=concurrency)
    started, cpu = time.perf_counter(), time.process_time()
    engine.start(bot, broadcast_id)
    await engine.wait(broadcast_id)
    return Run(people, time.perf_counter() - started, time.process_time() - cpu)


@dataclass
class ServerProcess:
    """The fake server in a process of its own, shared by the runs that need one. It tells
    its URL on its first line of output; then each line it reads sets its latency, and it
    answers with the copies it delivered since the line before."""

    proc: asyncio.subprocess.Process
    url: str = ""

    async def exchange(self, latency: float) -> Counter[int]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{latency}\n".encode())
        await self.proc.stdin.drain()
        line = await asyncio.wait_for(self.proc.stdout.readline(), SERVER_START_SECONDS)
        return Counter({int(chat): int(n) for chat, n in json.loads(line).items()})


@contextlib.asynccontextmanager
async def server_process() -> AsyncIterator[ServerProcess]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).resolve()),
        "--serve",
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=REPORT_LIMIT,
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), SERVER_START_SECONDS)
        if not line.startswith(b"http://"):
            raise RuntimeError(f"the fake server did not start: {line!r}")
        yield ServerProcess(proc, line.decode().strip())
        proc.stdin.close()
        await asyncio.wait_for(proc.wait(), SERVER_START_SECONDS)
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()


async def serve() -> None:
    loop = asyncio.get_running_loop()
    async with FakeBotApi() as fake:
        print(fake.url, flush=True)
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            print(json.dumps(copies(fake.calls)), flush=True)
            fake.calls.clear()
            fake.latency = float(line)


# --- (a) and (b) --------------------------------------------------------------------------


async def fresh(folder: Path, name: str, people: int) -> tuple[Database, int]:
    db = await open_database(folder / f"{name}.sqlite3")
    return db, await fill(db, people)


async def paced(args: argparse.Namespace, folder: Path) -> list[str]:
    print(
        f"(a) paced: {args.paced} people at BROADCAST_RATE {args.rate:g}/s, "
        f"{args.concurrency} senders, {args.latency * 1000:.0f} ms per request, "
        "fake server in this process"
    )
    db, broadcast_id = await fresh(folder, "paced", args.paced)
    try:
        async with FakeBotApi() as fake:
            fake.latency = args.latency
            bot = http_bot(fake.url)
            try:
                run = await send_all(
                    db,
                    bot,
                    broadcast_id,
                    args.paced,
                    rate=args.rate,
                    concurrency=args.concurrency,
                )
            finally:
                await bot.session.close()
            calls = [c for c in fake.calls if c.method == "copyMessage"]
            problems = await problems_after(db, broadcast_id, args.paced, copies(fake.calls))
    finally:
        await db.close()
    share = run.rate / args.rate
    print(
        f"  sent {args.paced} in {run.seconds:.2f} s: {run.rate:.2f} msg/s = {share:.1%} of "
        f"{args.rate:g}/s — target ≥ {TARGET_SHARE:.0%}: {verdict(share >= TARGET_SHARE)}"
    )
    if len(calls) > 1:
        span = calls[-1].at - calls[0].at
        print(f"  first to last copy as the server saw them: {(len(calls) - 1) / span:.2f} msg/s")
    return problems


async def unthrottled(args: argparse.Namespace, folder: Path, server: ServerProcess) -> list[str]:
    people, senders, latency = args.fast, args.fast_concurrency, args.latency
    ceiling = senders / latency if latency > 0 else float("inf")
    print(
        f"(b) unthrottled: {people} people, rate limit {FAST_RATE:.0f}/s, {senders} senders, "
        f"{latency * 1000:.0f} ms per request (so at most {ceiling:.0f} msg/s)"
    )
    problems: list[str] = []
    pool = max(senders, AIOHTTP_POOL)
    setups = [
        ("broadcaster without HTTP (aiogram, no sockets)", "offline", AIOHTTP_POOL),
        (f"server in this process, pool of {AIOHTTP_POOL}", "inline", AIOHTTP_POOL),
        (f"server in its own process, pool of {AIOHTTP_POOL}", "process", AIOHTTP_POOL),
        (f"server in its own process, pool of {pool}", "process", pool),
    ]
    for number, (label, where, limit) in enumerate(setups):
        db, broadcast_id = await fresh(folder, f"fast{number}", people)
        try:
            run, delivered = await unthrottled_run(
                db, broadcast_id, people, where, limit, senders, latency, server
            )
            found = await problems_after(db, broadcast_id, people, delivered)
        finally:
            await db.close()
        problems += [f"(b) {label}: {problem}" for problem in found]
        cpu = "" if where == "inline" else "bot process"
        print(
            f"  {label + ':':<50s}{run.rate:7.0f} msg/s  ({run.cpu_us:4.0f} µs CPU per send"
            f"{', ' + cpu if cpu else ', both sides'}) — ≥ {TARGET_FAST:.0f}: "
            f"{verdict(run.rate >= TARGET_FAST)}"
        )
    return problems


async def unthrottled_run(
    db: Database,
    broadcast_id: int,
    people: int,
    where: str,
    pool: int,
    senders: int,
    latency: float,
    server: ServerProcess,
) -> tuple[Run, Counter[int]]:
    async def send(bot: Bot) -> Run:
        return await send_all(db, bot, broadcast_id, people, rate=FAST_RATE, concurrency=senders)

    if where == "offline":
        session = SlowOfflineSession(latency)
        run = await send(create_bot(SETTINGS, session=session, token=TOKEN))
        return run, session.delivered()
    if where == "inline":
        async with FakeBotApi() as fake:
            fake.latency = latency
            bot = http_bot(fake.url, pool)
            try:
                run = await send(bot)
            finally:
                await bot.session.close()
            return run, copies(fake.calls)
    await server.exchange(latency)
    bot = http_bot(server.url, pool)
    try:
        run = await send(bot)
    finally:
        await bot.session.close()
    return run, await server.exchange(latency)


# --- (c) memory ---------------------------------------------------------------------------


class StopAfter(BaseRequestMiddleware):
    """Counts delivered copies and halts the broadcast at `limit` of them."""

    def __init__(self, limit: int, halt: Callable[[], None]) -> None:
        self.limit = limit
        self.halt = halt
        self.copies = 0

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        response = await make_request(bot, method)
        if isinstance(method, CopyMessage) and method.chat_id != ADMIN_ID:
            self.copies += 1
            if self.copies == self.limit:
                self.halt()
        return response


def rss_kb() -> tuple[int, int]:
    """(resident now, peak) in KiB; the peak is that since `reset_peak_rss` where Linux
    allows resetting it, else since the process started."""
    now = peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with contextlib.suppress(OSError), open("/proc/self/status", encoding="ascii") as status:
        found = dict(line.split(":", 1) for line in status if ":" in line)
        now, peak = (int(found[key].split()[0]) for key in ("VmRSS", "VmHWM"))
    return now, peak


def reset_peak_rss() -> None:
    """Start the peak afresh: the imports and opening the database leave a higher one."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


async def measure_memory(path: Path, url: str, sends: int) -> dict[str, float]:
    """In a fresh process: send `sends` copies of the running broadcast in `path`."""
    db = await SqliteDatabase.open(path)
    try:
        async with db.autocommit() as repos:
            (row,) = await repos.broadcasts.with_status("running")
        bot = http_bot(url)
        engine = broadcaster(db, rate=FAST_RATE, concurrency=SENDERS)
        counter = StopAfter(sends, lambda: engine.halt(row.id))
        session: BaseSession = bot.session
        session.middleware(counter)
        try:
            await bot.get_me()
            reset_peak_rss()
            before, _ = rss_kb()
            tracemalloc.start()
            started = time.perf_counter()
            engine.start(bot, row.id)
            await engine.wait(row.id)
            seconds = time.perf_counter() - started
            _, heap_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            _, peak = rss_kb()
        finally:
            await session.close()
        async with db.autocommit() as repos:
            counts = await repos.broadcasts.counts(row.id)
    finally:
        await db.close()
    return {
        "before_kb": before,
        "peak_kb": peak,
        "heap_peak": heap_peak,
        "seconds": seconds,
        "copies": counter.copies,
        "sent": counts.sent,
        "not_sent": counts.blocked + counts.failed,
    }


@dataclass(frozen=True, slots=True)
class Memory:
    people: int
    fill_seconds: float
    before_kb: float
    peak_kb: float
    heap_peak: float
    seconds: float
    copies: float
    sent: float
    not_sent: float


async def memory_run(path: Path, url: str, people: int, sends: int) -> Memory:
    started = time.perf_counter()
    db = await SqliteDatabase.open(path)
    try:
        await fill(db, people)
    finally:
        await db.close()
    fill_seconds = time.perf_counter() - started
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).resolve()),
        "--measure-memory",
        str(path),
        "--url",
        url,
        "--sends",
        str(sends),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        out, _ = await proc.communicate()
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"the measuring process for {people} people exited {proc.returncode}")
    return Memory(people, fill_seconds, **json.loads(out.decode().splitlines()[-1]))


async def memory(args: argparse.Namespace, folder: Path, server: ServerProcess) -> list[str]:
    sends = min(args.sends, *args.sizes)
    print(
        f"(c) memory: a fresh process sends {sends} copies of a broadcast to N people "
        f"({SENDERS} senders, fake server in its own process, no latency)"
    )
    print("  recipients  fill s  RSS before MB  peak RSS MB  growth MB  Python heap MB  msg/s")
    problems = []
    results = []
    await server.exchange(0.0)
    for people in args.sizes:
        path = folder / f"memory-{people}.sqlite3"
        result = await memory_run(path, server.url, people, sends)
        delivered = await server.exchange(0.0)
        for leftover in folder.glob(f"{path.name}*"):
            leftover.unlink()
        results.append(result)
        print(
            f"  {people:>10d}  {result.fill_seconds:6.1f}  {result.before_kb / 1024:13.1f}  "
            f"{result.peak_kb / 1024:11.1f}  {(result.peak_kb - result.before_kb) / 1024:9.1f}  "
            f"{result.heap_peak / 2**20:14.2f}  {result.copies / result.seconds:5.0f}"
        )
        # Halted after `sends` copies: those in flight then still go out, each once.
        once = set(delivered.values()) == {1} and len(delivered) == result.sent
        if not once or result.sent < sends or result.sent != result.copies or result.not_sent:
            problems.append(f"(c) {people} people: {result}, {len(delivered)} got a copy")
    if len(results) > 1:
        small, large = results[0], results[-1]
        rss = large.peak_kb / small.peak_kb
        heap = large.heap_peak / small.heap_peak
        flat = max(rss, heap) <= FLAT_RATIO
        print(
            f"  {large.people} / {small.people} recipients: peak RSS ×{rss:.2f}, "
            f"Python heap peak ×{heap:.2f} — flat (≤ ×{FLAT_RATIO:g}): {'yes' if flat else 'NO'}"
        )
    return problems


# --- main ---------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> int:
    print(machine())
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        async with server_process() as server:
            problems = await paced(args, folder)
            problems += await unthrottled(args, folder, server)
            problems += await memory(args, folder, server)
    for problem in problems:
        print(f"INCORRECT: {problem}")
    print(f"every recipient got exactly one copy: {'yes' if not problems else 'NO'}")
    return 1 if problems else 0


def sizes(text: str) -> list[int]:
    values = [int(part) for part in text.split(",") if part.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of positive numbers")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--paced", type=int, default=500, help="people in (a)")
    parser.add_argument("--rate", type=float, default=SETTINGS.broadcast_rate)
    parser.add_argument("--concurrency", type=int, default=SENDERS)
    parser.add_argument("--fast", type=int, default=5_000, help="people in (b)")
    parser.add_argument("--fast-concurrency", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    parser.add_argument("--sizes", type=sizes, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--sends", type=int, default=5_000, help="copies sent in (c)")
    # The two halves of (b) and (c) that run in processes of their own.
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure-memory", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(serve())
        return 0
    if args.measure_memory is not None:
        figures = asyncio.run(measure_memory(args.measure_memory, args.url, args.sends))
        print(json.dumps(figures))
        return 0
    if min(args.paced, args.fast, args.sends, args.concurrency, args.fast_concurrency) < 1:
        parser.error("sizes, sends and concurrencies must be at least 1")
    if args.rate <= 0 or args.latency < 0:
        parser.error("--rate must be positive and --latency at least 0")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
