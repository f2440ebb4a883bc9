"""Top-10 recommendation latency on a large synthetic catalogue, in one process.

Fills a fresh SQLite file (the real reference data plus synthetic centers near the regional
capitals, more in populous regions, and synthetic programs, about a tenth of them online)
through the repository's own upserts, then asks for the top 10 for random people exactly as
the programmes service does: one `db.autocommit()` unit of work around `Recommender.listing()`
(the list to show, or the online programmes when nothing in person fits within reach). The
index is built once, timed separately, as the bot does at start-up. People are grown-ups and
school students with an age band and a status; programmes carry Klimov types, some an age
range, statuses, a residence rule or an enrolment deadline.

    python bench/recommend_latency.py [--centers 2000] [--programs 100000] [--people 1000]
                                      [--check 50] [--seed 20261126] [--keep DB_PATH]
                                      [--both [--postgres-server URL] | --database-url URL]

`--both` runs it on SQLite, then on a fresh PostgreSQL database (on `--postgres-server`,
default `POSTGRES_TEST_URL`, else the local server) with the same catalogue and people, and
prints the two side by side; `--database-url` runs it on an empty PostgreSQL database only.

Prints the machine, the fill time, p50/p95/p99/max latency and throughput (target: p95 at
most 10 ms), and the speed-up over ranking every offer in Python for the first `--check`
people, whose top 10 must also equal that brute-force top 10: any difference exits with 1.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

from common import (
    fresh_postgres,
    load_average,
    machine,
    percentile,
    postgres_server,
    postgres_version,
    verdict,
)

from bot.domain.catalogue import (
    KLIMOV,
    RIASEC,
    Audience,
    Center,
    Format,
    Program,
    Region,
    load_regions,
)
from bot.domain.enrolment import AgeBand, Status
from bot.domain.geo import normalize_lon
from bot.domain.offer_index import Recommender
from bot.domain.ranking import (
    MIN_FIT,
    FormatChoice,
    Offer,
    Person,
    Preferences,
    Ranked,
    StudyLength,
    Vector,
    audiences_of,
    emphasised,
    klimov_from_scores,
    rank,
    vector_from_code,
    vector_from_scores,
)
from bot.services.database import open_database
from storage.db import Database

TARGET_P95_MS = 10.0
LIMIT = 10
BATCH = 5_000
WARM_UP = 50
ONLINE_SHARE = 0.10
FREE_SHARE = 0.60
TODAY = date(2026, 11, 30)
# Spread around the capital, in degrees of latitude: centers sit in the capital and the
# towns around it; people a little closer in, as most live in or near the bigger towns.
CENTER_SPREAD_DEG = 0.6
PERSON_SPREAD_DEG = 0.4

# Rough populations in millions: the big and the small regions; the rest count as about a
# million, which is near the median. Only the proportions matter here.
POPULATION_M: dict[str, float] = {
    "moscow-city": 13.1,
    "moscow-oblast": 8.6,
    "krasnodar-krai": 5.8,
    "saint-petersburg-city": 5.6,
    "sverdlovsk-oblast": 4.2,
    "rostov-oblast": 4.1,
    "bashkortostan-republic": 4.0,
    "tatarstan-republic": 4.0,
    "chelyabinsk-oblast": 3.4,
    "dagestan-republic": 3.2,
    "nizhny-novgorod-oblast": 3.1,
    "samara-oblast": 3.1,
    "stavropol-krai": 2.9,
    "krasnoyarsk-krai": 2.8,
    "novosibirsk-oblast": 2.8,
    "kemerovo-oblast": 2.6,
    "perm-krai": 2.5,
    "volgograd-oblast": 2.5,
    "saratov-oblast": 2.4,
    "irkutsk-oblast": 2.3,
    "voronezh-oblast": 2.3,
    "altai-krai": 2.1,
    "leningrad-oblast": 2.0,
    "orenburg-oblast": 1.8,
    "primorsky-krai": 1.8,
    "khanty-mansi-ao": 1.7,
    "nenets-ao": 0.04,
    "chukotka-ao": 0.05,
    "magadan-oblast": 0.14,
    "jewish-ao": 0.15,
    "altai-republic": 0.21,
    "kalmykia-republic": 0.26,
    "kamchatka-krai": 0.29,
    "tuva-republic": 0.34,
    "sakhalin-oblast": 0.46,
    "karachay-cherkessia-republic": 0.47,
    "adygea-republic": 0.50,
    "yamalo-nenets-ao": 0.51,
    "ingushetia-republic": 0.52,
    "karelia-republic": 0.52,
    "sevastopol-city": 0.56,
    "kostroma-oblast": 0.57,
    "pskov-oblast": 0.58,
    "novgorod-oblast": 0.58,
}
OTHER_REGION_M = 1.0

# Grown-ups mostly, and school students (who took the school quiz), as the handler sees them.
PERSON_KINDS: tuple[tuple[tuple[AgeBand, Status, str], float], ...] = (
    ((AgeBand.young, Status.working, "adult"), 0.25),
    ((AgeBand.middle, Status.working, "adult"), 0.20),
    ((AgeBand.young, Status.student, "adult"), 0.10),
    ((AgeBand.middle, Status.not_working, "adult"), 0.10),
    ((AgeBand.young, Status.parental_leave, "parent"), 0.05),
    ((AgeBand.senior, Status.retired, "adult"), 0.10),
    ((AgeBand.teen, Status.school, "student"), 0.15),
    ((AgeBand.under14, Status.school, "student"), 0.05),
)
# Who may enrol and when, beyond the audience: most programmes say nothing.
AGE_RULES: tuple[tuple[tuple[int | None, int | None], float], ...] = (
    ((None, None), 0.80),
    ((14, 17), 0.05),
    ((18, None), 0.05),
    ((None, 35), 0.05),
    ((50, None), 0.05),
)
STATUS_RULES: tuple[tuple[frozenset[Status], float], ...] = (
    (frozenset(), 0.85),
    (frozenset({Status.working}), 0.05),
    (frozenset({Status.not_working, Status.parental_leave}), 0.05),
    (frozenset({Status.student}), 0.05),
)
PROGRAM_AUDIENCES: tuple[tuple[frozenset[Audience], float], ...] = (
    (frozenset(), 0.40),  # open to everyone
    (frozenset({Audience.adults}), 0.15),
    (frozenset({Audience.students, Audience.adults}), 0.15),
    (frozenset({Audience.school}), 0.10),
    (frozenset({Audience.school, Audience.students}), 0.05),
    (frozenset({Audience.seniors}), 0.05),
    (frozenset({Audience.parents, Audience.adults}), 0.05),
    (frozenset({Audience.seniors, Audience.adults}), 0.05),
)
IN_PERSON_FORMATS: tuple[tuple[Format | None, float], ...] = (
    (Format.in_person, 0.80),
    (Format.blended, 0.15),
    (None, 0.05),  # unknown format: counts as in person
)
ALL_PREFERENCES = [
    Preferences(length, fmt, free_only)
    for length in StudyLength
    for fmt in FormatChoice
    for free_only in (False, True)
]


@dataclass(slots=True)
class Case:
    person: Person
    prefs: Preferences
    region: str
    ms: float = 0.0
    ids: list[str] = field(default_factory=list)
    brute_ms: float = 0.0


T = TypeVar("T")


def pick(rng: random.Random, weighted: tuple[tuple[T, float], ...]) -> T:
    return rng.choices([value for value, _ in weighted], [w for _, w in weighted])[0]


def near(rng: random.Random, region: Region, spread_deg: float) -> tuple[float, float]:
    lat = max(-89.0, min(89.0, region.lat + rng.gauss(0.0, spread_deg)))
    lon = region.lon + rng.gauss(0.0, spread_deg) / math.cos(math.radians(region.lat))
    return lat, normalize_lon(lon)  # Chukotka's towns lie on both sides of 180°


def region_weights(regions: list[Region]) -> list[float]:
    unknown = set(POPULATION_M) - {r.slug for r in regions}
    if unknown:
        raise RuntimeError(f"POPULATION_M names unknown regions: {sorted(unknown)}")
    return [POPULATION_M.get(r.slug, OTHER_REGION_M) for r in regions]


def make_centers(rng: random.Random, regions: list[Region], count: int) -> list[Center]:
    weights = region_weights(regions)
    centers = []
    for n, region in enumerate(rng.choices(regions, weights, k=count), start=1):
        lat, lon = near(rng, region, CENTER_SPREAD_DEG)
        centers.append(
            Center(
                id=f"bench-c-{n:04d}",
                region_slug=region.slug,
                city=region.capital_ru,
                name=f"Синтетический ЦОПП № {n}",
                host_organization=None,
                address=None,
                website=None,
                industry=None,
                opened_year=None,
                lat=lat,
                lon=lon,
                coords_precision="city",
                status="open",
                source_url="synthetic",
            )
        )
    return centers


def program_weights(rng: random.Random) -> Vector:
    """One strong type and some of the others, as programs are classified by content."""
    dominant = rng.randrange(6)
    r, i, a, s, e, c = (
        round(rng.uniform(0.7, 1.0) if t == dominant else rng.uniform(0.0, 0.5), 2)
        for t in range(6)
    )
    return (r, i, a, s, e, c)


def make_program(rng: random.Random, n: int, centers: list[Center]) -> Program:
    center: Center | None = None
    fmt: Format | None = Format.online
    if rng.random() >= ONLINE_SHARE:
        center = rng.choice(centers)
        fmt = pick(rng, IN_PERSON_FORMATS)
    free = rng.random() < FREE_SHARE
    low, high = pick(rng, AGE_RULES)
    closes = TODAY + timedelta(days=rng.randint(-120, 240)) if rng.random() < 0.5 else None
    return Program(
        id=f"bench-p-{n:06d}",
        title=f"Синтетическая программа № {n}",
        center_id=center.id if center else None,
        region_slug=center.region_slug if center else None,
        duration_hours=rng.randint(16, 256),
        format=fmt,
        is_free=free,
        price_rub=None if free else rng.randrange(5_000, 120_000, 500),
        audience=pick(rng, PROGRAM_AUDIENCES),
        weights=program_weights(rng),
        klimov=rng.choice(KLIMOV),
        source_url="synthetic",
        min_age=low,
        max_age=high,
        statuses=pick(rng, STATUS_RULES),
        residents_only=center.region_slug if center and rng.random() < 0.02 else None,
        enroll_until=closes,
    )


async def fill(db: Database, rng: random.Random, centers: int, programs: int) -> float:
    started = time.perf_counter()
    made = make_centers(rng, load_regions(), centers)
    for first in range(0, len(made), BATCH):
        async with db.transaction() as tx:
            await tx.catalogue.upsert_centers(made[first : first + BATCH])
    for first in range(0, programs, BATCH):
        batch = [
            make_program(rng, n, made) for n in range(first + 1, min(first + BATCH, programs) + 1)
        ]
        async with db.transaction() as tx:
            await tx.catalogue.upsert_programs(batch)
    return time.perf_counter() - started


def make_case(rng: random.Random, regions: list[Region], weights: list[float]) -> Case:
    region = rng.choices(regions, weights)[0]
    lat, lon = near(rng, region, PERSON_SPREAD_DEG)
    # What the handler builds the list on: a field picked from the list, a result code, or
    # the stored scores of a finished test.
    vector: Vector
    roll = rng.random()
    if roll < 0.2:
        vector = vector_from_code(rng.choice(RIASEC))
    elif roll < 0.5:
        vector = vector_from_code("".join(rng.sample(RIASEC, 3)))
    else:
        vector = vector_from_scores({t: rng.uniform(0.0, 10.0) for t in RIASEC})
    band, status, role = pick(rng, PERSON_KINDS)
    klimov = (
        klimov_from_scores({t: rng.randint(0, 8) for t in KLIMOV}) if role == "student" else None
    )
    person = Person(
        vector=emphasised(vector),
        lat=lat,
        lon=lon,
        audience=audiences_of(band, status, role),
        klimov=klimov,
        region_slug=region.slug,
        age_band=band,
        status=status,
        today=TODAY,
        min_fit=MIN_FIT,
    )
    return Case(person, rng.choice(ALL_PREFERENCES), region.slug)


RECOMMENDER = Recommender()


def asked(prefs: Preferences, anything_near: bool) -> Preferences:
    """The list the programmes service shows: as asked, or the online programmes when nothing
    in person fits within reach (the person always has a place here)."""
    if prefs.format is FormatChoice.online or anything_near:
        return prefs
    return replace(prefs, format=FormatChoice.online)


def in_person(prefs: Preferences) -> Preferences:
    return replace(prefs, format=FormatChoice.in_person)


async def top(db: Database, case: Case) -> list[Ranked]:
    """As `bot.services.recommendations.programmes_page` asks (the person has a place): the
    list to show, or the online programmes when nothing in person fits within reach."""
    async with db.autocommit() as repos:
        listing = await RECOMMENDER.listing(repos.catalogue, case.person, case.prefs, LIMIT)
    return listing.ranked


def figures(ms: list[float]) -> str:
    s = sorted(ms)
    return (
        f"p50 {percentile(s, 50):6.2f}  p95 {percentile(s, 95):6.2f}  "
        f"p99 {percentile(s, 99):6.2f}  max {s[-1]:6.2f} ms"
    )


async def all_offers(db: Database) -> list[Offer]:
    """Every offer, unfiltered (`rank` applies each person's filters itself)."""
    async with db.autocommit() as repos:
        offers = await repos.catalogue.all_offers()
        total, _ = await repos.catalogue.count_programs()
    if len(offers) != total:
        raise RuntimeError(f"read {len(offers)} offers of {total} programs")
    return offers


async def measure(db: Database, cases: list[Case]) -> float:
    """Each person's top 10, one after another as the single connection serves them; returns
    the wall time of the whole run."""
    started = time.perf_counter()
    for case in cases:
        t0 = time.perf_counter()
        ranked = await top(db, case)
        case.ms = (time.perf_counter() - t0) * 1000
        case.ids = [r.offer.program_id for r in ranked]
    return time.perf_counter() - started


def grouped(cases: list[Case], key: Callable[[Case], str]) -> dict[str, list[float]]:
    groups: defaultdict[str, list[float]] = defaultdict(list)
    for case in cases:
        groups[key(case)].append(case.ms)
    return groups


def report(cases: list[Case], elapsed: float) -> float:
    ms = [c.ms for c in cases]
    print(f"recommend top {LIMIT}, {len(cases)} people (after {WARM_UP} to warm up):")
    print(f"  all:              {figures(ms)}")
    by_format = grouped(cases, lambda c: c.prefs.format.value)
    for fmt in FormatChoice:
        if fmt.value in by_format:
            print(f"  format {fmt.value + ':':<11s}{figures(by_format[fmt.value])}")
    print(f"  throughput: {len(cases) / elapsed:.0f} recommendations/s (one connection)")
    by_region = grouped(cases, lambda c: c.region)
    slowest = sorted(by_region.items(), key=lambda kv: -statistics.median(kv[1]))[:5]
    listed = ", ".join(f"{slug} {statistics.median(v):.1f} (n={len(v)})" for slug, v in slowest)
    print(f"  slowest regions, median ms: {listed}")
    return percentile(sorted(ms), 95)


async def check(db: Database, checked: list[Case]) -> int:
    """Rank every offer in Python for each person: the baseline, and the right answer."""
    offers = await all_offers(db)
    brute_ms = []
    mismatches = 0
    for case in checked:
        t0 = time.perf_counter()
        near = case.prefs.format is FormatChoice.online or bool(
            rank(case.person, in_person(case.prefs), offers, limit=1)
        )
        ranked = rank(case.person, asked(case.prefs, near), offers, limit=LIMIT)
        brute_ms.append((time.perf_counter() - t0) * 1000)
        case.brute_ms = brute_ms[-1]
        expected = [r.offer.program_id for r in ranked]
        if expected != case.ids:
            mismatches += 1
            if mismatches <= 3:
                print(f"  MISMATCH {case.person} {case.prefs}:\n    {case.ids}\n    {expected}")
    if checked:
        print(f"brute force, every one of {len(offers)} offers ranked in Python (read once):")
        print(f"  the first {len(checked)} people:  {figures(brute_ms)}")
        ratio = statistics.median(brute_ms) / statistics.median([c.ms for c in checked])
        print(f"  speed-up p50(brute) / p50(recommend), same people: {ratio:.1f}x")
    print(
        f"top {LIMIT} equal to brute force: {len(checked) - mismatches} of {len(checked)} "
        f"people; mismatches: {mismatches}"
    )
    return mismatches


@dataclass
class Figures:
    """One database's run: p50 and p95 of the recommendation, the brute force's p50."""

    p50: float
    p95: float
    brute_p50: float | None
    mismatches: int


async def run_on(args: argparse.Namespace, target: str | Path) -> Figures:
    """Fill the fresh database of `target` (a SQLite path or a database URL), then measure."""
    global RECOMMENDER  # noqa: PLW0603 — a new index for each database of the run
    RECOMMENDER = Recommender()
    rng = random.Random(args.seed)
    db = await open_database(target)
    try:
        fill_s = await fill(db, rng, args.centers, args.programs)
        async with db.autocommit() as repos:
            total, samples = await repos.catalogue.count_programs()
        print(
            f"catalogue: {args.centers} synthetic centers and {args.programs} programs, "
            f"{total} programs in all with the packaged ones ({samples} samples); "
            f"filled in {fill_s:.1f} s"
        )
        t0 = time.perf_counter()
        async with db.autocommit() as repos:
            await RECOMMENDER.refresh(repos.catalogue)
        print(f"index built in {time.perf_counter() - t0:.2f} s (once, at start-up)")
        regions = load_regions()
        weights = region_weights(regions)
        for case in (make_case(rng, regions, weights) for _ in range(WARM_UP)):
            await top(db, case)
        cases = [make_case(rng, regions, weights) for _ in range(args.people)]
        p95 = report(cases, await measure(db, cases))
        checked = cases[: args.check]
        mismatches = await check(db, checked)
    finally:
        await db.close()
    print(f"p95 {p95:.2f} ms — target ≤ {TARGET_P95_MS:.0f} ms: {verdict(p95 <= TARGET_P95_MS)}")
    return Figures(
        p50=percentile(sorted(c.ms for c in cases), 50),
        p95=p95,
        brute_p50=percentile(sorted(c.brute_ms for c in checked), 50) if checked else None,
        mismatches=mismatches,
    )


async def run(args: argparse.Namespace, path: Path) -> int:
    print(machine())
    if args.database_url:
        print(f"== {await postgres_version(args.database_url)}")
        figures = {"PostgreSQL": await run_on(args, args.database_url)}
    else:
        if args.both:
            print("== SQLite")
        figures = {"SQLite": await run_on(args, path)}
        if args.both:
            server = postgres_server(args.postgres_server)
            async with fresh_postgres(server) as url:
                print(f"== {await postgres_version(url)} at {server.rsplit('@', 1)[-1]}")
                figures["PostgreSQL"] = await run_on(args, url)
    if len(figures) > 1:
        print(f"the same catalogue and people on both ({load_average()}):")
        for name, got in figures.items():
            brute = f", brute force p50 {got.brute_p50:.1f} ms" if got.brute_p50 else ""
            print(f"  {name + ':':<12s}p50 {got.p50:.2f} ms, p95 {got.p95:.2f} ms{brute}")
    return 1 if any(f.mismatches for f in figures.values()) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--centers", type=int, default=2_000)
    parser.add_argument("--programs", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=1_000)
    parser.add_argument("--check", type=int, default=50, help="people checked against brute force")
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--keep", type=Path, metavar="DB_PATH", help="keep the database here")
    parser.add_argument(
        "--both", action="store_true", help="SQLite, then PostgreSQL, with the same data"
    )
    parser.add_argument("--postgres-server", help="where --both makes its fresh database")
    parser.add_argument("--database-url", help="an empty PostgreSQL database instead of SQLite")
    args = parser.parse_args(argv)
    if args.centers < 1 or args.programs < 1 or args.people < 1 or args.check < 0:
        parser.error("--centers, --programs and --people must be at least 1, --check at least 0")
    if args.keep is not None:
        if args.keep.exists():
            parser.error(f"{args.keep} exists: the benchmark needs a fresh database")
        return asyncio.run(run(args, args.keep))
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(run(args, Path(folder) / "bench.sqlite3"))


if __name__ == "__main__":
    sys.exit(main())
