"""Cold start of `python -m bot` and its memory, against the fake Bot API over HTTP.

    python bench/startup_and_memory.py [--runs 5] [--users 100000] [--writers 20]
                                       [--no-imports]

Cold start: the fake Bot API already holds a /start update when the real process is spawned;
the time runs from the spawn to the first `sendMessage` the server receives (the greeting).
Measured `--runs` times each with a database already migrated (as after a restart) and with
none (the first start creates and migrates it); prints min and median, and the median time
to the first request (imports, settings, database) and to the first `getUpdates` (start-up
hooks). Target: at most 1.5 s.

Memory: a database with `--users` consented people, a third of them with a test result, and
one with only the `--writers` people who then write; the bot is started on each, then every
writer sends /start and then /myresult (which draws the result chart). VmRSS and VmHWM come
from /proc/<pid>/status after start-up, after the /start replies and after the charts.
Target: RSS at most 120 MB with 100,000 people. The time and RSS of fresh interpreters
importing the bot's modules and its large dependencies are printed too: where the time and
the memory go.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
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

from common import ROOT, TOKEN, machine, verdict

from bot.domain.catalogue import load_regions
from bot.domain.quiz.content import load_quiz_catalog
from bot.domain.quiz.evaluate import evaluate, result_code
from bot.services.database import open_database
from tests.support.fake_api import FakeBotApi
from tests.support.processes import bot_env, kill, spawn

TARGET_START_S = 1.5
TARGET_RSS_MB = 120.0
FIRST_WRITER = 7_000_000_000  # above the synthetic people's ids
RESULT_SHARE = 3  # one person in three has a test result
TIMEOUT_S = 60.0
# Each in a fresh interpreter: what the bot's process holds before it handles anything, and
# the large libraries it loads, each on its own.
IMPORTS = {
    "nothing": "pass",
    "the bot's modules": "import bot.__main__",
    "aiogram": "import aiogram",
    "numpy": "import numpy",
    "openpyxl": "import openpyxl",
    "Pillow (charts)": "import PIL.Image, PIL.ImageDraw, PIL.ImageFont",
}


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
async def bot_process(folder: Path, api_url: str, database: Path) -> AsyncIterator[Running]:
    """`python -m bot` run from `folder` with settings from the environment only; stopped
    with SIGTERM, as a service manager would, and killed if it does not stop."""
    env = bot_env(folder, api_url, BOT_TOKEN=TOKEN, DATABASE_PATH=str(database))
    with (folder / "bot.log").open("ab") as log:
        spawned = time.monotonic()
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


async def cold_start(folder: Path, template: Path | None) -> Start:
    """One start; `template`: copied as an existing database, or None for a fresh one."""
    folder.mkdir()
    database = folder / "bot.sqlite3"
    if template is not None:
        shutil.copyfile(template, database)
    api = FakeBotApi()
    await api.start()
    try:
        api.push_message(FIRST_WRITER, "/start")
        async with bot_process(folder, api.url, database) as bot:
            reply = await api.wait_for("sendMessage", timeout=TIMEOUT_S)
            polling = await api.wait_for("getUpdates", timeout=0)
        return Start(
            first_request=api.calls[0].at - bot.spawned,
            polling=polling.at - bot.spawned,
            reply=reply.at - bot.spawned,
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


async def memory(folder: Path, template: Path, people: int, writers: int) -> Memory:
    folder.mkdir()
    database = folder / "bot.sqlite3"
    shutil.copyfile(template, database)
    fill(database, people, writers)
    writer_ids = range(FIRST_WRITER, FIRST_WRITER + writers)
    api = FakeBotApi()
    await api.start()
    try:
        async with bot_process(folder, api.url, database) as bot:
            await api.wait_for("getUpdates", timeout=TIMEOUT_S)
            await asyncio.sleep(1.0)  # start-up hooks and first long poll settle
            idle = bot.status_mb()
            for method, command in (("sendMessage", "/start"), ("sendPhoto", "/myresult")):
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
    starts: dict[str, list[Start]] = {"existing database": [], "fresh database": []}
    for n in range(args.runs):  # alternated, so a busy moment hits both alike
        starts["existing database"].append(await cold_start(folder / f"e{n}", template))
        starts["fresh database"].append(await cold_start(folder / f"f{n}", None))
    print(f"cold start from spawning `python -m bot` to the first reply, {args.runs} runs each:")
    for kind, measured in starts.items():
        first = statistics.median(s.first_request for s in measured)
        polling = statistics.median(s.polling for s in measured)
        print(
            f"  {kind + ':':<19s}{seconds([s.reply for s in measured])}  (median: first "
            f"request {first:.2f} s, first getUpdates {polling:.2f} s)"
        )
    best = statistics.median(s.reply for s in starts["existing database"])
    print(
        f"cold start, existing database: median {best:.2f} s — target ≤ {TARGET_START_S} s: "
        f"{verdict(best <= TARGET_START_S)}"
    )

    if args.imports:
        print("a fresh interpreter importing (each on its own; they share dependencies):")
        for label, code in IMPORTS.items():
            took, rss = await import_cost(code)
            print(f"  {label + ':':<21s}{took:5.2f} s, RSS {rss:6.1f} MB")
    loads = {
        f"{args.writers} people": await memory(folder / "m0", template, 0, args.writers),
        f"{args.users:,} people": await memory(folder / "m1", template, args.users, args.writers),
    }
    print(
        f"RSS of the running bot (VmRSS / VmHWM, MB); then {args.writers} people send /start, "
        "then /myresult (a chart each):"
    )
    for label, mem in loads.items():
        print(
            f"  {label + ':':<17s}idle {mem.idle[0]:6.1f} / {mem.idle[1]:6.1f};  "
            f"after /start {mem.after_start[0]:6.1f} / {mem.after_start[1]:6.1f};  "
            f"after charts {mem.after_charts[0]:6.1f} / {mem.after_charts[1]:6.1f}"
        )
    rss, peak = loads[f"{args.users:,} people"].after_charts
    print(
        f"RSS with {args.users:,} people: {rss:.1f} MB (peak {peak:.1f} MB) — target ≤ "
        f"{TARGET_RSS_MB:.0f} MB: {verdict(max(rss, peak) <= TARGET_RSS_MB)}"
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
