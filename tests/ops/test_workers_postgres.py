"""Webhook workers and Telegram's redelivery: a worker confirms an update (200) only once it
has handled it, so an update a killed worker was handling is posted again by Telegram.

Three real webhook workers on one PostgreSQL database and one Redis: thirty people take the
quiz while one worker is killed with SIGKILL in the middle of updates and started again. Every
answer is in the database exactly once: the updates the killed worker was handling got no 200
and were posted again (as Telegram does), and none was counted twice. It runs
`bench/quiz_workers.py` at a small size; skipped without a PostgreSQL server
(`POSTGRES_TEST_URL`) or a `redis-server` (or `REDIS_TEST_URL`).

A worker stopped with SIGTERM while it handles an update finishes it and answers 200 (SQLite:
this needs no server)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.ops.test_webhook import SECRET, SECRET_HEADER, start_update, webhook_env
from tests.support.fake_api import FakeBotApi
from tests.support.http_chat import USER_ID, to_user
from tests.support.postgres import NO_SERVER, postgres_url
from tests.support.processes import PROJECT_ROOT, START_SECONDS, bot_process, free_port

# A person whose lock the killed worker held waits for it to expire: 5 s here, not 60.
SMALL = (
    "--people",
    "30",
    "--rate",
    "60",
    "--api-latency",
    "0.1",
    "--patience",
    "40",
    "--lock-seconds",
    "5",
)


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


async def test_sigterm_mid_update_finishes_it_and_confirms_it(
    api: FakeBotApi, tmp_path: Path
) -> None:
    port = free_port()
    async with (
        bot_process(tmp_path, webhook_env(tmp_path, api.url, port), "webhook") as bot,
        aiohttp.ClientSession() as http,
    ):
        await api.wait_for("setWebhook", timeout=START_SECONDS)
        api.latency = 0.5  # the greeting and the consent question: a second in all
        posting = asyncio.create_task(
            http.post(
                f"http://127.0.0.1:{port}/tg/updates",
                json=start_update(300, USER_ID),
                headers={SECRET_HEADER: SECRET},
            )
        )
        await api.wait_for("sendMessage", to_user("Здравствуйте"))
        assert not posting.done(), "confirmed before the update was handled"
        stopping = asyncio.create_task(bot.stop())
        answer = await posting
        assert answer.status == 200
        answer.release()
        assert await stopping == 0
        await api.wait_for("sendMessage", to_user("согласие"), timeout=0)
        assert "Traceback" not in bot.log()
