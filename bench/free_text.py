"""Free text on a large catalogue: how long the bot takes to answer a typed message, and how
much memory the towns table and the search index add.

First a fresh SQLite file is filled through the repositories (the real reference data, 2,000
synthetic centres and `--programs` programmes whose titles and descriptions come from the
occupations catalogue, so the search has real words to find) and the programme index is
built, timed. Then a second process, which has imported the bot and opened the database,
reads VmRSS (`/proc/self/status`) before and after loading the towns table into the place
index (the first place lookup loads it) and before and after the search (phrase index, FAQ,
vocabulary, the programme index in the file, 300 searches): the memory they add.

In the same process, the labelled messages of `tests/data/intents.csv` are sent, one at a
time, through the production dispatcher on the offline session, from people past
onboarding, and each `feed_update` is timed: places, occupations, questions, small talk and
nonsense, each answered as in production. The baseline, in the same run: the same messages
to the same dispatcher from people whose conversation waits for a button, so the fallback
answers them (the menu, no understanding) — the cost of the dispatcher, middlewares and
database without the free-text work.

    python bench/free_text.py [--programs 100000] [--rounds 3] [--seed 20261130]

Targets: p95 ≤ 20 ms per free-text message; towns + search index ≤ 30 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from common import ROOT, TOKEN, bench_settings, machine, percentile, verdict
from recommend_latency import make_centers, make_program

from bot.app import create_bot, create_dispatcher, warm_recommender, warm_up
from bot.domain.catalogue import load_regions
from bot.domain.geo import PlaceIndex
from bot.domain.occupations import load_occupations
from bot.domain.towns import load_towns
from bot.runtime.offline import ChatSimulator, OfflineSession
from bot.services.database import open_database
from bot.services.free_text import FreeText
from storage.db import Database

TARGET_P95_MS = 20.0
TARGET_MB = 30.0
BATCH = 5_000
LABELLED = ROOT / "tests" / "data" / "intents.csv"
QUALIFIERS = ("", "для начинающих", "повышение квалификации", "с нуля", "практикум", "онлайн")


def rss_mb() -> float:
    with open("/proc/self/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def fill(db: Database, rng: random.Random, programs: int) -> None:
    occupations = load_occupations()
    centers = make_centers(rng, load_regions(), 2_000)
    for first in range(0, len(centers), BATCH):
        async with db.transaction() as tx:
            await tx.catalogue.upsert_centers(centers[first : first + BATCH])
    for first in range(0, programs, BATCH):
        batch = []
        for n in range(first + 1, min(first + BATCH, programs) + 1):
            occupation = rng.choice(occupations)
            title = f"{occupation.name_ru} {rng.choice(QUALIFIERS)}".strip()
            batch.append(
                replace(
                    make_program(rng, n, centers), title=title, description=occupation.about_ru
                )
            )
        async with db.transaction() as tx:
            await tx.catalogue.upsert_programs(batch)


def messages() -> list[tuple[str, str]]:
    """(text, labelled intent)."""
    with LABELLED.open(encoding="utf-8", newline="") as file:
        return [(row["text"], row["intent"]) for row in csv.DictReader(file)]


async def build(path: Path, programs: int, seed: int) -> dict[str, float]:
    db = await open_database(path)
    try:
        started = time.perf_counter()
        await fill(db, random.Random(seed), programs)
        filled = time.perf_counter() - started
        started = time.perf_counter()
        await FreeText.packaged().refresh_programs(db)
        indexed = time.perf_counter() - started
    finally:
        await db.close()
    return {"fill_s": filled, "index_s": indexed}


async def onboarded(client: ChatSimulator) -> None:
    await client.send("/start")
    await client.click("Даю согласие")
    await client.click("Ищу работу")


async def measure(path: Path, rounds: int) -> dict[str, object]:
    texts = messages()
    db = await open_database(path)
    try:
        before = rss_mb()
        places = PlaceIndex(load_regions(), load_towns)
        assert places.mentioned("я из Кунгура"), "the towns table is not loaded"
        with_towns = rss_mb()
        free_text = FreeText.packaged()
        await free_text.refresh(db)
        await free_text.refresh_programs(db)
        for text, _intent in texts[:300]:
            await free_text.understand(db, places, text)
            await free_text.search_programs(db, text)
        with_search = rss_mb()

        settings = bench_settings(path.parent)
        session = OfflineSession()
        bot = create_bot(settings, session=session, token=TOKEN)
        dispatcher = create_dispatcher(settings, db, throttle=False)
        services = dispatcher.workflow_data["services"]
        await warm_recommender(services)  # the indexes, built as at start
        await warm_up(services)
        started = time.perf_counter()
        services.places.mentioned("Пермь")  # the towns table loads on the first lookup
        towns_load_ms = (time.perf_counter() - started) * 1000
        asker = ChatSimulator(dispatcher, bot, session, user_id=101, first_name="Аня")
        waiting = ChatSimulator(dispatcher, bot, session, user_id=102, first_name="Боря")
        for client in (asker, waiting):
            await onboarded(client)
        free_ms: list[float] = []
        fallback_ms: list[float] = []
        by_intent: dict[str, list[float]] = {}
        state = dispatcher.fsm.get_context(bot, chat_id=102, user_id=102)
        own = dispatcher.fsm.get_context(bot, chat_id=101, user_id=101)
        for _round in range(rounds):
            for text, intent in texts:
                await state.set_state("bench:waits_for_a_button")  # the fallback answers
                started = time.perf_counter()
                await waiting.send(text)
                fallback_ms.append((time.perf_counter() - started) * 1000)
                await own.set_state(None)  # at the menu: nothing asked
                started = time.perf_counter()
                await asker.send(text)
                free_ms.append((time.perf_counter() - started) * 1000)
                by_intent.setdefault(intent, []).append(free_ms[-1])
                session.requests.clear()
    finally:
        await db.close()
    return {
        "towns_mb": with_towns - before,
        "search_mb": with_search - with_towns,
        "free_ms": free_ms,
        "fallback_ms": fallback_ms,
        "by_intent": by_intent,
        "towns_load_ms": towns_load_ms,
    }


def figures(ms: list[float]) -> str:
    values = sorted(ms)
    return (
        f"p50 {percentile(values, 50):.1f}, p95 {percentile(values, 95):.1f}, "
        f"p99 {percentile(values, 99):.1f}, max {values[-1]:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--programs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        result = asyncio.run(measure(args.measure, args.rounds))
        print(json.dumps(result))
        return
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        built = asyncio.run(build(path, args.programs, args.seed))
        print(
            f"{args.programs:,} programmes: filled in {built['fill_s']:.1f} s, "
            f"indexed for search in {built['index_s']:.1f} s"
        )
        size_mb = path.stat().st_size / 2**20
        child = subprocess.run(
            [sys.executable, __file__, "--measure", str(path), "--rounds", str(args.rounds)],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
    result = json.loads(child.stdout.strip().splitlines()[-1])
    free_ms, fallback_ms = result["free_ms"], result["fallback_ms"]
    towns, search = result["towns_mb"], result["search_mb"]
    print(f"database file {size_mb:.0f} MB (the search index is in it, not in memory)")
    print(f"memory: towns table +{towns:.1f} MB, search +{search:.1f} MB, together "
          f"+{towns + search:.1f} MB (target ≤ {TARGET_MB:.0f} MB): "
          f"{verdict(towns + search <= TARGET_MB)}")  # fmt: skip
    print(f"the first place lookup loads the towns table: {result['towns_load_ms']:.0f} ms "
          "(once per process, before the timing)")  # fmt: skip
    print(f"free text ({len(free_ms)} messages): {figures(free_ms)}")
    for intent, ms in sorted(result["by_intent"].items()):
        print(f"  {intent:<11} {figures(ms)}")
    print(f"baseline, the fallback on the same messages: {figures(fallback_ms)}")
    p95 = percentile(sorted(free_ms), 95)
    print(f"target p95 ≤ {TARGET_P95_MS:.0f} ms: {verdict(p95 <= TARGET_P95_MS)}")


if __name__ == "__main__":
    main()
