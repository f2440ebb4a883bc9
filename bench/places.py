"""The place index with the towns table: build time, memory, and lookup latency.

    python bench/places.py [--rounds N]

Baseline measured in the same run: the index of the 89 regions alone (as before the towns
table). Memory is what tracemalloc counts for the objects the index keeps (the table read from
the CSV and indexed); build time is the best of three. Lookups: every town's name and its
prepositional form («в Кунгуре»), and a set of free-text messages through `mentioned`, timed one
by one; misspelt names separately (they take the fuzzy path).
"""

from __future__ import annotations

import argparse
import csv
import gc
import random
import time
import tracemalloc
from collections.abc import Callable
from importlib import resources

from common import machine, percentile, verdict

from bot.domain.catalogue import Region, load_regions
from bot.domain.geo import PlaceIndex
from bot.domain.towns import load_towns

BUILD_TARGET_S = 0.3
MEMORY_TARGET_MB = 10.0
P95_TARGET_MS = 2.0

FREE_TEXT = [
    "я из Перми",
    "живу в Кунгуре",
    "хочу стать сварщиком",
    "где учиться на программиста",
    "сколько стоит обучение?",
    "помогите",
    "I am from Kazan",
    "мы под Тольятти живём, есть ли курсы для мамы в декрете?",
    "привет",
    "а можно учиться онлайн если я в Магнитогорске",
]


def _misspelt(name: str, rng: random.Random) -> str:
    if len(name) < 6:
        return name
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1 :]


def _build_time(regions: list[Region], *, towns: bool) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        index = PlaceIndex(regions, load_towns() if towns else None)
        best = min(best, time.perf_counter() - started)
        del index
    return best


def _memory_mb(regions: list[Region], *, towns: bool) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    index = PlaceIndex(regions, load_towns() if towns else None)
    gc.collect()
    kept = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del index
    return kept / 1e6


def _timings_ms(call: Callable[[str], object], texts: list[str]) -> list[float]:
    spent = []
    for text in texts:
        started = time.perf_counter()
        call(text)
        spent.append((time.perf_counter() - started) * 1000)
    return sorted(spent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=1, help="passes over the town names")
    args = parser.parse_args()
    print(machine())
    regions = load_regions()

    base_build = _build_time(regions, towns=False)
    full_build = _build_time(regions, towns=True)
    base_mb = _memory_mb(regions, towns=False)
    full_mb = _memory_mb(regions, towns=True)
    towns_build = full_build - base_build
    towns_mb = full_mb - base_mb
    print(f"regions only: build {base_build * 1000:.0f} ms, {base_mb:.1f} MB")
    print(f"with towns:   build {full_build * 1000:.0f} ms, {full_mb:.1f} MB")
    print(
        f"towns part: build {towns_build * 1000:.0f} ms — target ≤ {BUILD_TARGET_S * 1000:.0f} "
        f"ms: {verdict(towns_build <= BUILD_TARGET_S)}"
    )
    print(
        f"towns part: {towns_mb:.1f} MB — target ≤ {MEMORY_TARGET_MB:.0f} MB: "
        f"{verdict(towns_mb <= MEMORY_TARGET_MB)}"
    )

    index = PlaceIndex(regions, load_towns())
    with (resources.files("bot") / "data" / "towns.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    names = [r["name_ru"] for r in rows] + ["в " + r["forms_ru"].split("|")[0] for r in rows]
    names *= args.rounds
    rng = random.Random(13)
    typos = [_misspelt(r["name_ru"], rng) for r in rng.sample(rows, min(500, len(rows)))]
    index.find("прогрев")  # the fuzzy search loads rapidfuzz on first use
    for label, call, texts in (
        ("lookup, names and «в …» forms", index.lookup, names),
        ("lookup, misspelt names", index.find, typos),
        ("mentioned, free text", index.mentioned, FREE_TEXT * 50),
    ):
        spent = _timings_ms(call, texts)
        p95 = percentile(spent, 95)
        print(
            f"{label}: {len(spent)} calls, p50 {percentile(spent, 50):.3f}, "
            f"p95 {p95:.3f}, max {spent[-1]:.1f} ms — target p95 ≤ {P95_TARGET_MS:.0f} ms: "
            f"{verdict(p95 <= P95_TARGET_MS)}"
        )


if __name__ == "__main__":
    main()
