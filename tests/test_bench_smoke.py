"""The recommendation benchmark still runs: tiny sizes, no timing asserted."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bench" / "recommend_latency.py"
TINY = ("--centers", "30", "--programs", "500", "--people", "20", "--check", "20")


def run_bench(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_benchmark_runs_and_agrees_with_brute_force(tmp_path: Path) -> None:
    kept = tmp_path / "bench.sqlite3"
    done = run_bench(*TINY, "--keep", str(kept))
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^p95 \d+\.\d+ ms — target ≤ 10 ms: (met|NOT met)$", done.stdout, re.M)
    assert "top 10 equal to brute force: 20 of 20 people; mismatches: 0" in done.stdout
    assert "machine: " in done.stdout
    assert kept.is_file()

    # A kept database is never filled twice.
    again = run_bench(*TINY, "--keep", str(kept))
    assert again.returncode == 2
    assert "exists" in again.stderr


def test_broadcast_benchmark_runs_and_reaches_everyone_once() -> None:
    script = ROOT / "bench" / "broadcast_rate.py"
    tiny = ("--paced", "10", "--fast", "200", "--sizes", "300,600", "--sends", "100")
    done = subprocess.run(
        [sys.executable, str(script), *tiny],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "machine: " in done.stdout
    assert re.search(r"^  sent 10 in [\d.]+ s: [\d.]+ msg/s = [\d.]+% of 25/s", done.stdout, re.M)
    assert len(re.findall(r"^  .+: +\d+ msg/s  \(", done.stdout, re.M)) == 4  # the setups of (b)
    assert re.search(r"^ +600 +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+", done.stdout, re.M)
    assert re.search(r"^  600 / 300 recipients: peak RSS ×[\d.]+", done.stdout, re.M)
    assert "every recipient got exactly one copy: yes" in done.stdout
