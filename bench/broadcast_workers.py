"""A broadcast sent by three real webhook workers (`python -m bot`) on one PostgreSQL database
and one Redis, against the fake Bot API with 100 ms per request; one worker is killed with
SIGKILL in the middle and started again.

Prints who got the message once, twice and never, how many recipients the killed worker held
at the kill (claimed, not yet recorded), and the rate all workers together achieved against
`BROADCAST_RATE` (over the whole run and in the busiest second).

    POSTGRES_TEST_URL=postgresql://postgres@127.0.0.1:55432/postgres \\
        python bench/broadcast_workers.py --people 10000 --rate 30

Needs a PostgreSQL server (`POSTGRES_TEST_URL`, or `tests/support/start_postgres.sh`);
`redis-server` on the PATH is used when present (the workers then share conversation state
through it, as they would in production)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import asyncpg
from common import machine

from bot.services.database import open_database
from storage.broadcasts import Segment
from tests.support.fake_api import Call, FakeBotApi
from tests.support.postgres import drop_database, fresh_database
from tests.support.processes import bot_env, free_port, kill, spawn
from tests.support.settings import ADMIN_ID
from tests.support.sql import insert_people

FIRST_ID = 5_000_000
PROGRESS_MESSAGE = 5
WORKERS = 3
CONCURRENCY = 8  # bot.workers.broadcaster.DEFAULT_CONCURRENCY


@contextlib.contextmanager
def redis_server() -> Iterator[str | None]:
    """A private redis-server for the run, or None when there is none on the PATH."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    folder = tempfile.mkdtemp(prefix="bench-redis-")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def copies(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.method == "copyMessage" and c.status == 200]


class Watch:
    """Looks only at the calls that came since it last looked: a condition checked as each
    call arrives must not slow the fake Bot API down (its arrival times are the figures)."""

    def __init__(self, calls: list[Call]) -> None:
        self._calls = calls
        self._seen = 0
        self.copies = 0
        self.reported = False

    def update(self) -> Watch:
        for call in self._calls[self._seen :]:
            if call.method == "copyMessage" and call.status == 200:
                self.copies += 1
            elif (
                call.method == "sendMessage"
                and call.params.get("chat_id") == ADMIN_ID
                and "✅" in str(call.params.get("text"))
            ):
                self.reported = True
        self._seen = len(self._calls)
        return self


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def prepare(url: str, people: int) -> int:
    db = await open_database(url)
    try:
        ids = range(FIRST_ID, FIRST_ID + people)
        await insert_people(db, ids, first_name="Тест", consent_given_at="2026-11-01")
        async with db.transaction() as tx:
            row = await tx.broadcasts.create(
                admin_id=ADMIN_ID,
                source_chat_id=ADMIN_ID,
                source_message_id=77,
                segment=Segment("all"),
            )
            await tx.broadcasts.set_progress_message(row.id, ADMIN_ID, PROGRESS_MESSAGE)
    finally:
        await db.close()
    return row.id


def report(
    calls: list[Call],
    people: int,
    rate: int,
    latency: float,
    held: int,
    reports: list[Call],
    redis_url: str | None,
    load_before: float,
) -> None:
    load_after = os.getloadavg()[0]
    made = copies(calls)
    counted = Counter(int(c.params["chat_id"]) for c in made)
    everyone = set(range(FIRST_ID, FIRST_ID + people))
    once = sum(1 for p in everyone if counted[p] == 1)
    twice = sum(1 for p in everyone if counted[p] == 2)
    never = sum(1 for p in everyone if counted[p] == 0)
    more = sum(1 for p in everyone if counted[p] > 2)
    times = [c.at for c in made]
    achieved = (len(times) - 1) / (max(times) - min(times))
    busiest = busiest_second(times)
    if os.environ.get("BENCH_HISTOGRAM"):
        start = min(times)
        per_second = Counter(int(t - start) for t in times)
        print("per second:", [per_second[k] for k in range(max(per_second) + 1)])
    print(machine())
    print(
        f"{people} recipients, {WORKERS} webhook workers × {CONCURRENCY} senders, "
        f"{latency * 1000:.0f} ms per request, BROADCAST_RATE {rate}/s, "
        f"Redis: {'yes' if redis_url else 'no'}; load {load_before:.1f} → {load_after:.1f}"
    )
    print(
        f"once: {once}, twice: {twice}, more: {more}, never: {never}; "
        f"held by the killed worker at the kill: {held} (claimed, not recorded); "
        f"final reports to the admin: {len(reports)}"
    )
    print(
        f"rate: {achieved:.2f} msg/s = {achieved / rate:.1%} of BROADCAST_RATE over "
        f"{max(times) - min(times):.0f} s; busiest second: {busiest} "
        f"({busiest / rate:.0%})"
    )
    met = (
        never == 0
        and more == 0
        and twice <= CONCURRENCY
        and achieved >= 0.95 * rate
        and achieved <= rate * 1.001
        and len(reports) == 1
    )
    print("verdict:", "met" if met else "NOT met")


async def run(people: int, rate: int, latency: float, kill_at: float) -> None:
    server = os.environ.get("POSTGRES_TEST_URL")
    if not server:
        sys.exit("POSTGRES_TEST_URL is not set (tests/support/start_postgres.sh starts a server)")
    url = await fresh_database(server)
    folder = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    load_before = os.getloadavg()[0]
    try:
        await prepare(url, people)
        async with FakeBotApi() as fake:
            fake.latency = latency
            with redis_server() as redis_url:
                extra = {"REDIS_URL": redis_url} if redis_url else {}

                async def worker(index: int, generation: int) -> asyncio.subprocess.Process:
                    place = folder / f"w{index}-{generation}"
                    place.mkdir()
                    env = bot_env(
                        place,
                        fake.url,
                        DATABASE_URL=url,
                        BROADCAST_RATE=str(rate),
                        ADMIN_IDS=str(ADMIN_ID),
                        WEBHOOK_URL="https://bot.example.test/tg/updates",
                        WEBHOOK_SECRET="s3cret-for-the-bench",
                        WEBHOOK_HOST="127.0.0.1",
                        WEBHOOK_PORT=str(free_port()),
                        LOG_LEVEL="WARNING",
                        **extra,
                    )
                    log = (place / "bot.log").open("wb")
                    return await spawn(place, env, stdout=log, stderr=subprocess.STDOUT)

                procs = [await worker(i, 0) for i in range(WORKERS)]
                try:
                    target = int(people * kill_at)
                    watch = Watch(fake.calls)
                    await fake.wait_until(
                        lambda: watch.update().copies >= target,
                        f"{target} copies",
                        timeout=people / rate * 3 + 120,
                    )
                    victim = procs[0]
                    conn = await asyncpg.connect(url)
                    try:  # just before the kill: the survivors requeue them within seconds
                        held = await conn.fetchval(
                            "SELECT count(*) FROM broadcast_recipients WHERE status = 'sending' "
                            "AND claimed_by LIKE $1",
                            f"%:{victim.pid}:%",
                        )
                    finally:
                        await conn.close()
                    victim.send_signal(signal.SIGKILL)
                    await victim.wait()
                    procs[0] = await worker(0, 1)
                    await fake.wait_until(
                        lambda: watch.update().reported,
                        "the final report",
                        timeout=people / rate * 3 + 120,
                    )
                    reports = [
                        c
                        for c in fake.calls
                        if c.method == "sendMessage" and c.params.get("chat_id") == ADMIN_ID
                    ]
                finally:
                    for proc in procs:
                        await kill(proc)
        report(fake.calls, people, rate, latency, held, reports, redis_url, load_before)
    finally:
        await drop_database(url, server)
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=30)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--kill-at", type=float, default=0.4, help="share sent before the kill")
    args = parser.parse_args()
    asyncio.run(run(args.people, args.rate, args.latency, args.kill_at))


if __name__ == "__main__":
    main()
