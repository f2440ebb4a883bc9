"""The guidance evaluation still runs on the packaged catalogue and still meets its target."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_guidance_evaluation_meets_its_target() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "guidance_eval.py")],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    personas = re.search(r"^personas: (\d+), with a list: (\d+)$", done.stdout, re.M)
    assert personas is not None and int(personas[1]) >= 30
    overall = re.search(r"^precision@5 overall (\d\.\d\d)", done.stdout, re.M)
    assert overall is not None and float(overall[1]) >= 0.8
    assert "пусто, хотя было что предложить" not in done.stdout  # no list hides a fit
