"""Three real webhook workers on one PostgreSQL database and one Redis: thirty people take the
quiz while one worker is killed with SIGKILL in the middle of updates and started again. Every
answer is in the database exactly once: the updates the killed worker was handling got no 200
and were posted again (as Telegram does), and none was counted twice.

It runs `bench/quiz_workers.py` at a small size; skipped without a PostgreSQL server
(`POSTGRES_TEST_URL`) or a `redis-server` (or `REDIS_TEST_URL`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.support.postgres import NO_SERVER, postgres_url
from tests.support.processes import PROJECT_ROOT

SMALL = ("--people", "30", "--rate", "30", "--api-latency", "0.1", "--patience", "40")


def test_a_killed_worker_loses_no_answer_and_counts_none_twice() -> None:
    if postgres_url() is None:
        pytest.skip(NO_SERVER)
    redis = os.environ.get("REDIS_TEST_URL")
    if redis is None and shutil.which("redis-server") is None:
        pytest.skip("no Redis: neither REDIS_TEST_URL nor redis-server")
    args = [*SMALL, *(("--redis-url", redis) if redis else ())]
    done = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bench" / "quiz_workers.py"), *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    # The kill came while the worker was handling updates, and they were posted again.
    killed = re.search(r"SIGKILLed after \d+ answers with (\d+) updates posted to it", out)
    assert killed is not None, out
    assert int(killed.group(1)) >= 1, out
    assert re.search(r"'(ServerDisconnectedError|ClientOSError)': \d+", out), out
    assert "finished quizzes 30 of 30" in out, out
    assert "without a result 0, extra results 0, people whose saved answers differ" in out
    assert re.search(r"taps 0$", out, re.M), out
    assert "answers lost: 0 in the database, 0 lost on the way" in out, out
    assert "counted twice: 0" in out, out
    assert "tracebacks in the workers' logs: 0" in out, out
    assert "exactly once: yes" in out, out
