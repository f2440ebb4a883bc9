"""The benchmark of one broadcast sent by three real webhook workers on PostgreSQL runs, tiny,
and its kill in the middle loses nobody (no timing asserted: the figures are the bench's)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.support.postgres import NO_SERVER, postgres_url
from tests.support.processes import PROJECT_ROOT


def test_three_workers_and_a_kill_reach_everyone() -> None:
    if postgres_url() is None:
        pytest.skip(NO_SERVER)
    done = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bench" / "broadcast_workers.py"), "--people", "240"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "machine: " in done.stdout
    found = re.search(r"^once: (\d+), twice: (\d+), more: 0, never: 0;", done.stdout, re.M)
    assert found, done.stdout
    assert int(found[1]) + int(found[2]) == 240 and int(found[2]) <= 8
    assert "final reports to the admin: 1" in done.stdout
    assert re.search(r"^rate: [\d.]+ msg/s = [\d.]+% of BROADCAST_RATE", done.stdout, re.M)
