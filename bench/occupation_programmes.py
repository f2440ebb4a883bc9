"""«Программы рядом» on an occupation's card, on a large catalogue, in one process.

Fills a fresh SQLite file like `recommend_latency.py` (synthetic centres and programmes), then
gives the programmes realistic titles: the shipped programme titles, most with a qualifier
(«для начинающих», «группа 12» …), so the words repeat as in a real catalogue. Then, for every
occupation of the catalogue, asks for the programmes within reach of a person in a random
regional capital exactly as the card's button does (`occupation_programmes`).

Baseline, measured in the same run: the first way this was done — a `LIKE` scan of every title
for the occupation's stems (lower case and capitalised, «е» and «ё»).

    python bench/occupation_programmes.py [--centers 2000] [--programs 100000]
                                          [--people 300] [--seed 20261130]

Prints the machine, the index's build time and size, p50/p95/max per tap (target: p95 at most
20 ms) and the baseline's p50/p95.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from common import machine, percentile, verdict
from recommend_latency import fill

from bot.domain.catalogue import load_regions, packaged_text
from bot.domain.occupations import TitleIndex, load_occupations, normalised
from bot.services.database import open_database
from bot.services.occupations import occupation_programmes, title_index
from bot.services.profile import Place

TARGET_P95_MS = 20.0
QUALIFIERS = (
    "",
    "для начинающих",
    "с нуля",
    "продвинутый уровень",
    "для 50+",
    "для школьников",
    "онлайн",
    "профпроба",
    "повышение квалификации",
    "интенсив",
)


def shipped_titles() -> list[str]:
    import csv  # noqa: PLC0415
    import io  # noqa: PLC0415

    titles: list[str] = []
    for name in ("programs_real.csv", "programs_sample.csv"):
        titles += [row["title"] for row in csv.DictReader(io.StringIO(packaged_text(name)))]
    return titles


def realistic(rng: random.Random, titles: list[str], n: int) -> str:
    title = rng.choice(titles)
    qualifier = rng.choice(QUALIFIERS)
    if qualifier:
        title += f": {qualifier}"
    if rng.random() < 0.3:
        title += f", группа {rng.randint(1, 40)}"
    return title if rng.random() < 0.9 else f"{title} ({n})"


def stems(keywords: tuple[str, ...]) -> list[str]:
    """The first stem of every keyword as a title may write it (the baseline's patterns)."""
    found: dict[str, None] = {}
    for keyword in keywords:
        first = normalised(keyword).split()[0]
        for variant in (first, first.replace("е", "ё")):
            found[variant] = None
            found[variant[:1].upper() + variant[1:]] = None
    return list(found)


def ms_figures(values: list[float]) -> str:
    values = sorted(values)
    return (
        f"p50 {percentile(values, 50):.1f}, p95 {percentile(values, 95):.1f}, "
        f"max {values[-1]:.1f} ms"
    )


async def run(args: argparse.Namespace, folder: Path) -> int:
    rng = random.Random(args.seed)
    path = folder / "bench.sqlite3"
    db = await open_database(str(path))
    started = time.perf_counter()
    await fill(db, rng, args.centers, args.programs)
    titles = shipped_titles()
    async with db.transaction() as tx:
        ids = await tx.catalogue.program_ids()
    import sqlite3  # noqa: PLC0415

    await db.close()
    raw = sqlite3.connect(path)
    raw.executemany(
        "UPDATE programs SET title = ? WHERE id = ?",
        [(realistic(rng, titles, n), pid) for n, pid in enumerate(sorted(ids))],
    )
    raw.commit()
    print(f"filled {args.programs:,} programmes in {time.perf_counter() - started:.1f} s")

    db = await open_database(str(path))
    async with db.autocommit() as repos:
        pairs = await repos.catalogue.program_titles()
    tracemalloc.start()
    started = time.perf_counter()
    index = TitleIndex(pairs)
    build_ms = (time.perf_counter() - started) * 1000
    size_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    del index
    started = time.perf_counter()
    await title_index(db)
    first_ms = (time.perf_counter() - started) * 1000
    print(
        f"index: {size_mb:.1f} MB (tracemalloc), build {build_ms:.0f} ms under tracemalloc; "
        f"first request (read the titles, build) {first_ms:.0f} ms"
    )

    regions = load_regions()
    occupations = load_occupations()
    taps: list[float] = []
    for _ in range(args.people):
        region = rng.choice(regions)
        place = Place(region.slug, region.lat, region.lon, "city")
        occupation = rng.choice(occupations)
        started = time.perf_counter()
        await occupation_programmes(db, occupation, place, None)
        taps.append((time.perf_counter() - started) * 1000)
    await db.close()

    raw_baseline: list[float] = []
    for occupation in occupations[: min(len(occupations), max(5, args.people // 10))]:
        patterns = stems(occupation.keywords)
        where = " OR ".join(["title LIKE ?"] * len(patterns))
        started = time.perf_counter()
        raw.execute(
            f"SELECT id FROM programs WHERE {where} LIMIT 400", [f"%{p}%" for p in patterns]
        ).fetchall()
        raw_baseline.append((time.perf_counter() - started) * 1000)
    raw.close()

    p95 = percentile(sorted(taps), 95)
    print(f"per tap ({args.people} people): {ms_figures(taps)}")
    print(f"baseline, a LIKE scan of the titles only: {ms_figures(raw_baseline)}")
    print(f"p95 ≤ {TARGET_P95_MS:.0f} ms: {verdict(p95 <= TARGET_P95_MS)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--centers", type=int, default=2000)
    parser.add_argument("--programs", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args(argv)
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(run(args, Path(folder)))


if __name__ == "__main__":
    sys.exit(main())
