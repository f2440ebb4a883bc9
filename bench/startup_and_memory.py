"""Cold start of `python -m bot` and its memory, against the fake Bot API over HTTP.

    python bench/startup_and_memory.py [--runs 5] [--users 100000] [--writers 20]
                                       [--no-imports]

The baseline, measured in the same run: a bare aiogram echo bot (`ECHO_BOT`: polling,
MemoryStorage, one handler) started and measured the same way.

Cold start: the fake Bot API already holds a /start update when the process is spawned; the
time runs from the spawn to the first `sendMessage` the server receives (the greeting).
Measured `--runs` times each, alternated: the echo bot, the bot with a database already
migrated (as after a restart) and with none (the first start creates and migrates it);
prints min and median, and the bot's own breakdown (its "Start-up:" log line, see
`bot/runtime/startup.py`: imports, database open/migrate/reference data, dispatcher with its
catalogues and indexes, start-up hooks) and the time from ready to the reply.
Target: the bot's median at most the echo bot's + 0.5 s.

Memory: a database with `--users` consented people, a third of them with a test result, and
one with only the `--writers` people who then write; the bot is started on each, then every
writer sends /start and then /myresult (which draws the result chart). VmRSS and VmHWM come
from /proc/<pid>/status after start-up, after the /start replies and after the charts; the
echo bot's after start-up and after the same people wrote to it. Target: the bot's RSS after
start with `--users` people (idle or after the /start replies, whichever is more) at most
the echo bot's + 40 MB (the charts have their own target, `bench/chart_memory.py`). The time
and RSS of fresh interpreters importing the bot's modules and its large dependencies are
printed too: where the time and the memory go.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import ROOT, TOKEN, load_average, machine, verdict

from bot.domain.catalogue import load_regions
from bot.domain.quiz.content import load_quiz_catalog
from bot.domain.quiz.evaluate import evaluate, result_code
from bot.services.database import open_database
from tests.support.fake_api import FakeBotApi
from tests.support.processes import bot_env, kill, spawn

TARGET_START_OVER_ECHO_S = 0.5
TARGET_RSS_OVER_ECHO_MB = 40.0
# The baseline: the least aiogram bot that answers, polling the same fake Bot API.
ECHO_BOT = """
import asyncio, os
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

router = Router()

@router.message()
async def echo(message: Message) -> None:
    await message.answer(message.text or "")

async def main() -> None:
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    bot = Bot(os.environ["BOT_TOKEN"], session=AiohttpSession(api=api))
    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    await dispatcher.start_polling(bot)

asyncio.run(main())
"""
STAGES = re.compile(r"Start-up: (?P<stages>.+); ready (?P<ready>[\d.]+) s after")
FIRST_WRITER = 7_000_000_000  # above the synthetic people's ids
RESULT_SHARE = 3  # one person in three has a test result
TIMEOUT_S = 60.0
# Each in a fresh interpreter: what the bot's process holds before it handles anything, and
# the large libraries it loads, each on its own.
IMPORTS = {
    "nothing": "pass",
    "the bot's modules": "import bot.__main__, bot.runners.polling",
    "aiogram": "import aiogram",
    "numpy": "import numpy",
    "openpyxl": "import openpyxl",
    "Pillow (charts)": "import PIL.Image, PIL.ImageDraw, PIL.ImageFont",
    "snowballstemmer (all)": "import snowballstemmer",
    "rapidfuzz": "import rapidfuzz.process",
}
# In a fresh interpreter, the bot's start-up step by step as `python -m bot` takes it (the
# collector off until the heap is frozen), with the warm-up's steps: VmRSS after each, in MB.
BREAKDOWN = """
import gc, json, os, sys
gc.disable()
def rss():
    with open('/proc/self/status') as status:
        return next(int(l.split()[1]) / 1024 for l in status if l.startswith('VmRSS'))
steps = [('interpreter', rss())]
import aiogram
steps.append(('aiogram', rss()))
import bot.__main__, bot.runners.polling
from bot.app import create_dispatcher
from bot.config import load_settings
from bot.runtime.heap import freeze_warmed, settle_heap
from bot.services.database import open_database
steps.append(("the bot's other modules", rss()))
import asyncio
async def main():
    settings = load_settings()
    db = await open_database(settings.database_path)
    steps.append(('database opened', rss()))
    services = create_dispatcher(settings, db)['services']
    steps.append(('dispatcher', rss()))
    settle_heap()
    steps.append(('heap settled', rss()))
    services.places.load_towns()
    steps.append(('towns table', rss()))
    await services.free_text.refresh(db)
    await services.free_text.refresh_programs(db)
    steps.append(('search indexes', rss()))
    freeze_warmed()
    steps.append(('after the warm-up', rss()))
    await db.close()
asyncio.run(main())
print(json.dumps(steps))
"""


@dataclass
class Running:
    proc: asyncio.subprocess.Process
    spawned: float  # time.monotonic(), the clock of the fake server's `Call.at`

    def status_mb(self) -> tuple[float, float]:
        """VmRSS and VmHWM (the peak RSS so far), in MB."""
        found: dict[str, float] = {}
        with open(f"/proc/{self.proc.pid}/status", encoding="ascii") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    found[name] = int(value.split()[0]) / 1024
        return found["VmRSS"], found["VmHWM"]


@contextlib.asynccontextmanager
async def bot_process(folder: Path, api_url: str, database: Path | None) -> AsyncIterator[Running]:
    """`python -m bot` run from `folder` with settings from the environment only (`database`
    None: the bare echo bot instead); stopped with SIGTERM, as a service manager would, and
    killed if it does not stop."""
    env = bot_env(folder, api_url, BOT_TOKEN=TOKEN, DATABASE_PATH=str(database))
    with (folder / "bot.log").open("ab") as log:
        spawned = time.monotonic()
        if database is None:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                ECHO_BOT,
                cwd=folder,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        else:
            proc = await spawn(folder, env, stdout=log, stderr=asyncio.subprocess.STDOUT)
        try:
            yield Running(proc, spawned)
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(proc.wait(), 15)
            await kill(proc)


async def migrated_template(folder: Path) -> Path:
    path = folder / "template.sqlite3"
    db = await open_database(path)
    await db.close()
    return path


@dataclass(frozen=True)
class Start:
    first_request: float
    polling: float
    reply: float
    stages: dict[str, float]  # the bot's own breakdown, with "ready" (none for the echo bot)


def stages_of(log: str) -> dict[str, float]:
    found = STAGES.search(log)
    if found is None:
        return {}
    stages = {}
    for part in found.group("stages").split(", "):
        name, _, took = part.rpartition(" ")[0].rpartition(" ")
        stages[name] = float(took)
    stages["ready"] = float(found.group("ready"))
    return stages


async def cold_start(folder: Path, template: Path | None, *, echo: bool = False) -> Start:
    """One start; `template`: copied as an existing database, or None for a fresh one;
    `echo`: the bare echo bot instead."""
    folder.mkdir()
    database: Path | None = folder / "bot.sqlite3"
    if echo:
        database = None
    elif template is not None:
        assert database is not None
        shutil.copyfile(template, database)
    api = FakeBotApi()
    await api.start()
    try:
        api.push_message(FIRST_WRITER, "/start")
        async with bot_process(folder, api.url, database) as bot:
            reply = await api.wait_for("sendMessage", timeout=TIMEOUT_S)
            polling = await api.wait_for("getUpdates", timeout=0)
            await asyncio.sleep(0.2)  # the log line is written as polling starts
        return Start(
            first_request=api.calls[0].at - bot.spawned,
            polling=polling.at - bot.spawned,
            reply=reply.at - bot.spawned,
            stages=stages_of((folder / "bot.log").read_text("utf-8", errors="replace")),
        )
    finally:
        await api.stop()


def result_rows() -> list[tuple[str, str, str | None, str]]:
    """Answers, scores, code and vector of a few dozen adult test results, as stored."""
    instrument = load_quiz_catalog().instruments["riasec"]
    rng = random.Random(7)
    rows = []
    for _ in range(50):
        answers = [rng.randrange(5) for _ in instrument.keys]
        result = evaluate(instrument, answers)
        rows.append(
            (
                json.dumps(answers),
                json.dumps(result.scores),
                result_code(result),
                json.dumps(result.vector()),
            )
        )
    return rows


def fill(database: Path, people: int, writers: int) -> None:
    """`people` consented people (one in three with a result), then the writers, all with
    a result; in one transaction, as a bulk import would."""
    regions = [r.slug for r in load_regions()]
    results = result_rows()
    ids = [*range(1, people + 1), *range(FIRST_WRITER, FIRST_WRITER + writers)]
    stamp = "2026-09-01T10:00:00Z"

    def users() -> Iterator[tuple[Any, ...]]:
        for uid in ids:
            role = ("adult", "student", "parent")[uid % 3]
            region = regions[uid % len(regions)]
            yield (uid, f"Имя{uid}", None, f"user{uid}", role, region, stamp, stamp, stamp)

    def quiz_results() -> Iterator[tuple[Any, ...]]:
        for uid in ids:
            if uid % RESULT_SHARE == 0 or uid >= FIRST_WRITER:
                answers, scores, code, vector = results[uid % len(results)]
                yield (uid, "riasec", answers, scores, code, vector, stamp)

    with contextlib.closing(sqlite3.connect(database)) as conn, conn:
        conn.executemany(
            "INSERT INTO users (id, first_name, last_name, username, role, region_slug, "
            "consent_given_at, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            users(),
        )
        conn.executemany(
            "INSERT INTO quiz_results (user_id, instrument, answers, scores, code, vector, "
            "started_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            quiz_results(),
        )


def to_chat(chat_id: int) -> Callable[[dict[str, Any]], bool]:
    return lambda params: params.get("chat_id") == chat_id


@dataclass(frozen=True)
class Memory:
    idle: tuple[float, float]
    after_start: tuple[float, float]
    after_charts: tuple[float, float]


async def memory(folder: Path, template: Path | None, people: int, writers: int) -> Memory:
    """`template` None: the bare echo bot, whose "charts" are a second round of messages."""
    folder.mkdir()
    database: Path | None = None
    if template is not None:
        database = folder / "bot.sqlite3"
        shutil.copyfile(template, database)
        fill(database, people, writers)
    rounds = (("sendMessage", "/start"), ("sendPhoto" if database else "sendMessage", "/myresult"))
    writer_ids = range(FIRST_WRITER, FIRST_WRITER + writers)
    api = FakeBotApi()
    await api.start()
    try:
        async with bot_process(folder, api.url, database) as bot:
            await api.wait_for("getUpdates", timeout=TIMEOUT_S)
            await asyncio.sleep(1.0)  # start-up hooks and first long poll settle
            idle = bot.status_mb()
            for method, command in rounds:
                since = len(api.calls)
                for uid in writer_ids:
                    api.push_message(uid, command)
                for uid in writer_ids:
                    await api.wait_for(method, to_chat(uid), since=since, timeout=TIMEOUT_S)
                await asyncio.sleep(1.0)  # the last replies' follow-up messages
                if command == "/start":
                    after_start = bot.status_mb()
            return Memory(idle, after_start, bot.status_mb())
    finally:
        await api.stop()


async def breakdown(database: Path) -> list[tuple[str, float]]:
    """VmRSS after each step of start-up and the warm-up, in a fresh interpreter."""
    copy = database.with_name("breakdown.sqlite3")
    shutil.copyfile(database, copy)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN,
        "DATABASE_PATH": str(copy),
        "LOG_LEVEL": "WARNING",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", BREAKDOWN, env=env, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    return [(name, mb) for name, mb in json.loads(out.decode().splitlines()[-1])]


async def import_cost(code: str) -> tuple[float, float]:
    """Seconds to run `code` in a fresh interpreter, and its VmRSS afterwards in MB."""
    probe = (
        "import time\nstarted = time.perf_counter()\n"
        f"{code}\n"
        "elapsed = time.perf_counter() - started\nimport gc\ngc.collect()\n"
        "rss = [l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1]\n"
        "print(elapsed, rss)"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        probe,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    elapsed, rss_kb = out.decode().split()
    return float(elapsed), int(rss_kb) / 1024


def seconds(values: list[float]) -> str:
    return f"min {min(values):.2f} s, median {statistics.median(values):.2f} s"


async def run(args: argparse.Namespace, folder: Path) -> None:
    print(machine())
    template = await migrated_template(folder)
    starts: dict[str, list[Start]] = {
        "bare echo bot": [],
        "existing database": [],
        "fresh database": [],
    }
    for n in range(args.runs):  # alternated, so a busy moment hits all alike
        starts["bare echo bot"].append(await cold_start(folder / f"b{n}", None, echo=True))
        starts["existing database"].append(await cold_start(folder / f"e{n}", template))
        starts["fresh database"].append(await cold_start(folder / f"f{n}", None))
    print(f"cold start from spawning the process to the first reply, {args.runs} runs each:")
    for kind, measured in starts.items():
        first = statistics.median(s.first_request for s in measured)
        polling = statistics.median(s.polling for s in measured)
        print(
            f"  {kind + ':':<19s}{seconds([s.reply for s in measured])}  (median: first "
            f"request {first:.2f} s, first getUpdates {polling:.2f} s; {load_average()})"
        )
    for kind in ("existing database", "fresh database"):
        measured = [s for s in starts[kind] if s.stages]
        if not measured:
            continue
        names = [name for name in measured[0].stages if name != "ready"]
        parts = [
            f"{name} {statistics.median(s.stages[name] for s in measured):.2f}" for name in names
        ]
        to_reply = statistics.median(s.reply - s.stages["ready"] for s in measured)
        print(
            f"  the bot's start-up, {kind} (median s): {', '.join(parts)}; "
            f"then the first reply {to_reply:.2f}"
        )
    echo = statistics.median(s.reply for s in starts["bare echo bot"])
    best = statistics.median(s.reply for s in starts["existing database"])
    print(
        f"cold start, existing database: median {best:.2f} s, bare echo bot {echo:.2f} s: "
        f"+{best - echo:.2f} s — target ≤ echo + {TARGET_START_OVER_ECHO_S} s: "
        f"{verdict(best - echo <= TARGET_START_OVER_ECHO_S)}"
    )

    if args.imports:
        print("a fresh interpreter importing (each on its own; they share dependencies):")
        for label, code in IMPORTS.items():
            took, rss = await import_cost(code)
            print(f"  {label + ':':<23s}{took:5.2f} s, RSS {rss:6.1f} MB")
        print(
            "the bot's start-up step by step in a fresh interpreter, existing database "
            "(VmRSS, MB, and what the step added):"
        )
        previous = 0.0
        for name, mb in await breakdown(template):
            print(f"  {name + ':':<25s}{mb:6.1f}  {mb - previous:+6.1f}")
            previous = mb
    echo_mem = await memory(folder / "m-echo", None, 0, args.writers)
    loads = {
        f"{args.writers} people": await memory(folder / "m0", template, 0, args.writers),
        f"{args.users:,} people": await memory(folder / "m1", template, args.users, args.writers),
    }
    print(
        f"RSS (VmRSS / VmHWM, MB) after start; then {args.writers} people send /start, then "
        f"/myresult (a chart each; to the echo bot, a second message) ({load_average()}):"
    )
    for label, mem in {"bare echo bot": echo_mem, **loads}.items():
        print(
            f"  {label + ':':<17s}idle {mem.idle[0]:6.1f} / {mem.idle[1]:6.1f};  "
            f"after /start {mem.after_start[0]:6.1f} / {mem.after_start[1]:6.1f};  "
            f"after charts {mem.after_charts[0]:6.1f} / {mem.after_charts[1]:6.1f}"
        )
    big = loads[f"{args.users:,} people"]
    rss = max(big.idle[0], big.after_start[0])
    echo_rss = max(echo_mem.idle[0], echo_mem.after_start[0])
    print(
        f"RSS with {args.users:,} people: {rss:.1f} MB, bare echo bot {echo_rss:.1f} MB: "
        f"+{rss - echo_rss:.1f} MB — target ≤ echo + {TARGET_RSS_OVER_ECHO_MB:.0f} MB: "
        f"{verdict(rss - echo_rss <= TARGET_RSS_OVER_ECHO_MB)}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="cold starts of each kind")
    parser.add_argument("--users", type=int, default=100_000, help="people in the database")
    parser.add_argument("--writers", type=int, default=20, help="people who write to the bot")
    parser.add_argument(
        "--imports",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time the imports of the bot and its large dependencies",
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.users < 0 or args.writers < 1:
        parser.error("--runs and --writers must be at least 1, --users at least 0")
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(args, Path(folder)))


if __name__ == "__main__":
    main()
