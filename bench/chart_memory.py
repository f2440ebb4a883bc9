"""What drawing charts costs the bot's process: memory for its lifetime, time per chart.

    python bench/chart_memory.py [--results 20] [--stats 3] [--rounds 3]

In this fresh process, with the bot's modules imported (what the bot holds before it draws
anything), reads VmRSS and VmHWM from /proc/self/status; then draws, through the same
`render_in_thread` / `render_stats_in_thread` the handlers await, `--results` result charts
(the adult and the school tests, Russian and English labels, different scores each) and
`--stats` statistics charts (30 days, a funnel of five steps), and reads them again; all of
that `--rounds` times, to show whether anything accumulates. Prints the RSS after each
round, the MB the charts added (target: at most 10 MB for the life of the process) and the
milliseconds per chart; the first chart apart, as it loads Pillow and the fonts.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import sys
import time
from collections.abc import Awaitable
from datetime import date, timedelta

from common import machine, verdict

# Everything the polling bot's process imports at start-up (its runner once the command is known).
import bot.__main__
import bot.runners.polling  # noqa: F401
from bot.domain.charts import (
    BarChart,
    StatsChart,
    render_in_thread,
    render_stats_in_thread,
)
from bot.domain.quiz.content import InstrumentId, load_quiz_catalog
from bot.domain.quiz.scoring import KLIMOV_MAX
from handlers.quiz.view import RIASEC_TYPE_MAX, result_chart

TARGET_ADDED_MB = 10.0
DAYS = 30
FUNNEL_RU = ["Начали", "Дали согласие", "Прошли тест", "Смотрели программы", "Подали заявку"]


def status_mb() -> tuple[float, float]:
    """VmRSS and VmHWM (the peak RSS so far) of this process, in MB."""
    found: dict[str, float] = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0]) / 1024
    return found["VmRSS"], found["VmHWM"]


def result_charts(count: int, rng: random.Random) -> list[BarChart]:
    """Result charts as the quiz draws them: both tests, both languages, random scores."""
    quizzes = load_quiz_catalog()
    charts = []
    for n in range(count):
        locale = ("ru", "en")[n % 4 // 3]  # three Russian to one English
        instrument: InstrumentId = "klimov" if n % 2 else "riasec"
        texts = quizzes.text(locale, instrument)
        top_score = KLIMOV_MAX if instrument == "klimov" else RIASEC_TYPE_MAX
        scores = {t: rng.randint(0, top_score) for t in texts.types}
        top = tuple(sorted(scores, key=lambda t: -scores[t])[:3])
        charts.append(result_chart(texts, instrument, scores, top))
    return charts


def stats_charts(count: int, rng: random.Random) -> list[StatsChart]:
    """Statistics charts as /stats draws them: 30 days, five funnel steps, up to 100,000
    people."""
    today = date(2026, 9, 30)
    days = [(today - timedelta(days=DAYS - 1 - n)).strftime("%d.%m") for n in range(DAYS)]
    charts = []
    for _ in range(count):
        started = rng.randint(100, 100_000)
        funnel = [started]
        for _step in FUNNEL_RU[1:]:
            funnel.append(rng.randint(funnel[-1] // 4, funnel[-1]))
        charts.append(
            StatsChart(
                days_title=f"Новые люди по дням за {DAYS} дн.",
                days=days,
                new_per_day=[rng.randint(0, started // 20) for _ in range(DAYS)],
                funnel_title="Воронка",
                funnel_labels=FUNNEL_RU,
                funnel_values=funnel,
            )
        )
    return charts


async def timed(drawing: Awaitable[bytes]) -> float:
    """Milliseconds until `drawing` gives a PNG."""
    started = time.perf_counter()
    png = await drawing
    elapsed = (time.perf_counter() - started) * 1000
    assert png.startswith(b"\x89PNG"), "not a PNG"
    return elapsed


async def run(args: argparse.Namespace) -> None:
    print(machine())
    rng = random.Random(20261130)
    results, stats = result_charts(args.results, rng), stats_charts(args.stats, rng)
    gc.collect()
    before, before_peak = status_mb()
    print(f"the bot's modules imported: RSS {before:.1f} MB, peak {before_peak:.1f} MB")
    loaded = {name: name in sys.modules for name in ("PIL.Image", "PIL.ImageFont")}
    print(
        "before the first chart: "
        + ", ".join(f"{name} {'loaded' if yes else 'not loaded'}" for name, yes in loaded.items())
        + " (openpyxl imports PIL.Image)"
    )

    first = await timed(render_in_thread(results[0]))
    rss, _peak = status_mb()
    print(
        f"the first result chart (loads FreeType and the fonts): {first:.0f} ms, "
        f"RSS {rss:.1f} MB (+{rss - before:.1f})"
    )
    result_ms: list[float] = []
    stats_ms: list[float] = []
    print(f"each round draws {args.results} result charts and {args.stats} statistics charts:")
    for round_number in range(1, args.rounds + 1):
        result_ms += [await timed(render_in_thread(chart)) for chart in results]
        stats_ms += [await timed(render_stats_in_thread(chart)) for chart in stats]
        gc.collect()
        rss, peak = status_mb()
        print(
            f"  after round {round_number}: RSS {rss:6.1f} MB (+{rss - before:4.1f}), "
            f"peak {peak:6.1f} MB (+{peak - before_peak:4.1f})"
        )
    for kind, times in (("result chart", result_ms), ("statistics chart", stats_ms)):
        print(
            f"{kind}, after the first: median {statistics.median(times):.1f} ms, "
            f"max {max(times):.1f} ms ({len(times)} charts)"
        )
    added = max(rss - before, peak - before_peak)
    print(
        f"drawing charts added {rss - before:.1f} MB RSS (peak +{peak - before_peak:.1f} MB) "
        f"— target ≤ {TARGET_ADDED_MB:.0f} MB: {verdict(added <= TARGET_ADDED_MB)}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--results", type=int, default=20, help="result charts a round")
    parser.add_argument("--stats", type=int, default=3, help="statistics charts a round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of drawing all of them")
    args = parser.parse_args(argv)
    if args.results < 1 or args.stats < 1 or args.rounds < 1:
        parser.error("--results, --stats and --rounds must be at least 1")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
