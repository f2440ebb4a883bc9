"""Every benchmark still runs: tiny sizes, no timing asserted."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.processes import PROJECT_ROOT

TINY = ("--centers", "30", "--programs", "500", "--people", "20", "--check", "20")


def run_script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bench" / name), *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_benchmark_runs_and_agrees_with_brute_force(tmp_path: Path) -> None:
    kept = tmp_path / "bench.sqlite3"
    done = run_script("recommend_latency.py", *TINY, "--keep", str(kept))
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^p95 \d+\.\d+ ms — target ≤ 10 ms: (met|NOT met)$", done.stdout, re.M)
    assert "top 10 equal to brute force: 20 of 20 people; mismatches: 0" in done.stdout
    assert "machine: " in done.stdout
    assert kept.is_file()

    # A kept database is never filled twice.
    again = run_script("recommend_latency.py", *TINY, "--keep", str(kept))
    assert again.returncode == 2
    assert "exists" in again.stderr


def test_broadcast_benchmark_runs_and_reaches_everyone_once() -> None:
    tiny = ("--paced", "10", "--fast", "200", "--sizes", "300,600", "--sends", "100")
    done = run_script("broadcast_rate.py", *tiny)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "machine: " in done.stdout
    assert re.search(r"^  sent 10 in [\d.]+ s: [\d.]+ msg/s = [\d.]+% of 25/s", done.stdout, re.M)
    assert len(re.findall(r"^  .+: +\d+ msg/s  \(", done.stdout, re.M)) == 4  # the setups of (b)
    assert re.search(r"^ +600 +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+", done.stdout, re.M)
    assert re.search(r"^  600 / 300 recipients: peak RSS ×[\d.]+", done.stdout, re.M)
    assert "every recipient got exactly one copy: yes" in done.stdout


def test_concurrent_users_benchmark_runs_both_sides() -> None:
    done = run_script("concurrent_users.py", "--people", "20", "--rate", "20", "--seconds", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "machine: " in done.stdout
    for side in ("bare answer + redraw", "bot (real path)"):
        assert re.search(
            rf"^{re.escape(side)}: +p50 +[\d.]+ .* 40 answers at 20/s \(load [\d.]+\)$",
            done.stdout,
            re.M,
        ), side
    assert re.search(
        r"^p99 [\d.]+ ms, bot at 20 answers/s — target ≤ 50 ms: (met|NOT met)$", done.stdout, re.M
    )


def test_startup_and_memory_benchmark_runs() -> None:
    tiny = ("--runs", "1", "--users", "300", "--writers", "2", "--no-imports")
    done = run_script("startup_and_memory.py", *tiny)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "machine: " in done.stdout
    assert re.search(r"^  bare echo bot: +min [\d.]+ s, median [\d.]+ s", done.stdout, re.M)
    assert re.search(r"^  existing database: min [\d.]+ s, median [\d.]+ s", done.stdout, re.M)
    assert re.search(r"^  fresh database: +min [\d.]+ s", done.stdout, re.M)
    # The bot's own breakdown of its start-up, from its log.
    assert re.search(
        r"^  the bot's start-up, existing database \(median s\): imports [\d.]+, "
        r"database [\d.]+, dispatcher [\d.]+, start-up hooks [\d.]+; then the first reply",
        done.stdout,
        re.M,
    )
    assert re.search(r"— target ≤ echo \+ 0.5 s: (met|NOT met)$", done.stdout, re.M)
    assert re.search(r"^  300 people: +idle +[\d.]+ / +[\d.]+;", done.stdout, re.M)
    assert re.search(
        r"^RSS with 300 people: [\d.]+ MB, bare echo bot [\d.]+ MB: .* target ≤ echo \+ 40 MB: "
        r"(met|NOT met)$",
        done.stdout,
        re.M,
    )


def test_quiz_vs_echo_benchmark_runs_every_side() -> None:
    # Opening the quiz and two answers: four updates a person, under the bot's throttling
    # limit of five a second.
    done = run_script("quiz_vs_echo.py", "--people", "50", "--rounds", "1", "--questions", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "machine: " in done.stdout
    for side in ("bare echo", "bare answer + redraw", "quiz answers"):
        assert re.search(rf"^{re.escape(side)} .*: +\d+ updates/s$", done.stdout, re.M), side
    assert re.search(
        r"^quiz / bare answer \+ redraw: \d+% — target ≥ 75%: (met|NOT met)$", done.stdout, re.M
    )


def test_chart_memory_benchmark_runs() -> None:
    done = run_script("chart_memory.py", "--results", "2", "--stats", "1", "--rounds", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "machine: " in done.stdout
    assert re.search(r"^the bot's modules imported: RSS [\d.]+ MB", done.stdout, re.M)
    assert re.search(r"^  after round 2: RSS +[\d.]+ MB", done.stdout, re.M)
    for kind in ("result chart", "statistics chart"):
        assert re.search(rf"^{kind}, after the first: median [\d.]+ ms", done.stdout, re.M), kind
    assert re.search(
        r"^drawing charts added -?[\d.]+ MB RSS .* target ≤ 10 MB: (met|NOT met)$",
        done.stdout,
        re.M,
    )


def test_places_benchmark_runs() -> None:
    done = run_script("places.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "machine: " in done.stdout
    assert re.search(r"^towns part: [\d.]+ MB — target ≤ 10 MB: (met|NOT met)$", done.stdout, re.M)
    assert re.search(r"^lookup, names and «в …» forms: \d+ calls, p50", done.stdout, re.M)


def test_occupation_programmes_benchmark_runs() -> None:
    done = run_script(
        "occupation_programmes.py", "--centers", "30", "--programs", "500", "--people", "20"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "machine: " in done.stdout
    assert re.search(r"^per tap \(20 people\): p50 [\d.]+, p95 [\d.]+", done.stdout, re.M)
    assert re.search(r"^baseline, a LIKE scan of the titles only: p50 ", done.stdout, re.M)
    assert re.search(r"^p95 ≤ 20 ms: (met|NOT met)$", done.stdout, re.M)
