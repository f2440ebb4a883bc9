"""A broadcast survives SIGKILL: the real `python -m bot` process is killed mid-broadcast and
started again on the same database, and the fake Bot API's record shows that every reachable
person got the message, at most `concurrency` of them twice, and the blocked ones never."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
from collections import Counter
from pathlib import Path

from bot.services.database import open_database
from bot.workers.broadcaster import DEFAULT_CONCURRENCY
from storage.broadcasts import Segment
from tests.support.bot_api_wire import Params
from tests.support.fake_api import Call, FakeBotApi
from tests.support.processes import EXIT_SECONDS, START_SECONDS, bot_env, bot_process
from tests.support.settings import ADMIN_ID
from tests.support.sql import insert_people

SOURCE_MESSAGE = 77
PROGRESS_MESSAGE = 5
PEOPLE = 300
FIRST_ID = 700_000
# Copies made before the kill: well into the broadcast, well before its end.
KILL_AFTER = 100
RATE = "30"  # the highest BROADCAST_RATE allowed


async def prepare(path: Path, people: list[int]) -> tuple[int, int]:
    """The database as an admin leaves it: people, and a broadcast to all of them running.
    Also the number of senders the bot's broadcaster runs at once."""
    db = await open_database(path)
    try:
        concurrency = DEFAULT_CONCURRENCY
        await insert_people(db, people, first_name="Тест", consent_given_at="2026-11-01")
        async with db.transaction() as tx:
            row = await tx.broadcasts.create(
                admin_id=ADMIN_ID,
                source_chat_id=ADMIN_ID,
                source_message_id=SOURCE_MESSAGE,
                segment=Segment("all"),
            )
            await tx.broadcasts.set_progress_message(row.id, ADMIN_ID, PROGRESS_MESSAGE)
    finally:
        await db.close()
    assert row.status == "running" and row.total == len(people)
    return row.id, concurrency


def copies(calls: list[Call]) -> Counter[int]:
    """Messages the server delivered, by chat (refused calls are not copies)."""
    return Counter(
        call.params["chat_id"]
        for call in calls
        if call.method == "copyMessage" and call.status == 200
    )


def attempts(calls: list[Call]) -> Counter[int]:
    """Copy calls by chat, except those refused by flood control (retried by design)."""
    return Counter(
        call.params["chat_id"]
        for call in calls
        if call.method == "copyMessage" and call.status != 429
    )


def finished(params: Params) -> bool:
    """The progress message as the broadcast ends."""
    return params.get("message_id") == PROGRESS_MESSAGE and "✅" in str(params.get("text"))


async def test_sigkill_mid_broadcast_then_restart_reaches_everyone_once(tmp_path: Path) -> None:
    people = list(range(FIRST_ID, FIRST_ID + PEOPLE))
    forbidden = set(people[5::10])
    reachable = set(people) - forbidden
    path = tmp_path / "bot.sqlite3"
    broadcast_id, duplicates_allowed = await prepare(path, people)

    async with FakeBotApi() as fake:
        fake.latency = 0.05
        fake.forbidden_chats = forbidden
        # Flood control on the very first copy: the whole pool waits, nobody is failed.
        fake.fail_next("copyMessage", 429, retry_after=1)
        env = bot_env(tmp_path, fake.url, BROADCAST_RATE=RATE, ADMIN_IDS=str(ADMIN_ID))
        assert env["DATABASE_PATH"] == str(path)

        for folder in ("first", "second"):
            (tmp_path / folder).mkdir()
        async with bot_process(tmp_path / "first", env) as first:
            await fake.wait_until(
                lambda: sum(copies(fake.calls).values()) >= KILL_AFTER,
                f"{KILL_AFTER} copies in the first run",
                timeout=START_SECONDS,  # start-up included: imports take seconds
            )
            first.proc.kill()
            assert await asyncio.wait_for(first.proc.wait(), EXIT_SECONDS) == -signal.SIGKILL
        crashed_at = len(fake.calls)
        before = fake.calls[:crashed_at]

        with contextlib.closing(sqlite3.connect(path)) as conn:
            left = dict(
                conn.execute(
                    "SELECT status, count(*) FROM broadcast_recipients WHERE broadcast_id = ? "
                    "AND status IN ('pending', 'sending') GROUP BY status",
                    (broadcast_id,),
                ).fetchall()
            )
        assert left.get("pending", 0) > 0, "not killed mid-broadcast"
        assert left.get("sending", 0) > 0, "nothing was in flight to requeue"
        flood = [call for call in before if call.status == 429]
        assert len(flood) == 1 and flood[0].method == "copyMessage"

        async with bot_process(tmp_path / "second", env) as second:
            await fake.wait_until(
                lambda: reachable <= set(copies(fake.calls)),
                "a copy for every reachable person",
                timeout=START_SECONDS,
            )
            await fake.wait_for("editMessageText", finished, since=crashed_at)
            assert await second.stop() == 0
            assert "Traceback" not in second.log()
        after = fake.calls[crashed_at:]

    delivered = copies(fake.calls)
    assert set(delivered) == reachable, "someone missed, or someone else got a copy"
    twice = {user_id for user_id, n in delivered.items() if n == 2}
    assert max(delivered.values()) <= 2
    assert len(twice) <= duplicates_allowed, f"{len(twice)} people got it twice"
    # A repeat is only ever a send of the first run that the crash left unrecorded.
    assert set(copies(before).values()) == {1} and set(copies(after).values()) == {1}

    # The person refused by flood control gets the copy after the pause.
    retried = next(
        call
        for call in before
        if call.method == "copyMessage"
        and call.status != 429
        and call.params["chat_id"] == flood[0].params["chat_id"]
    )
    assert retried.status == 200 and retried.at - flood[0].at >= 0.9

    # The blocked were tried at most once per process, refused each time, never given a copy.
    assert set(attempts(fake.calls)) >= forbidden
    for run in (before, after):
        tried = attempts(run)
        assert all(tried[user_id] <= 1 for user_id in forbidden)
    refused = {call.params["chat_id"] for call in fake.calls if call.status == 403}
    assert refused == forbidden

    with contextlib.closing(sqlite3.connect(path)) as conn:
        status = conn.execute(
            "SELECT status, finished_at FROM broadcasts WHERE id = ?", (broadcast_id,)
        ).fetchone()
        counts = dict(
            conn.execute(
                "SELECT status, count(*) FROM broadcast_recipients WHERE broadcast_id = ? "
                "GROUP BY status",
                (broadcast_id,),
            ).fetchall()
        )
        marked = {row[0] for row in conn.execute("SELECT id FROM users WHERE is_blocked = 1")}
    assert status[0] == "done" and status[1] is not None
    assert counts == {"sent": len(reachable), "blocked": len(forbidden)}  # none failed or left
    assert marked == forbidden
