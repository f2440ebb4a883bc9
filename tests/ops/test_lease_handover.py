"""Several bot instances on one database: only the holder of the workers' lease sends
broadcasts, and when it stops or dies another takes the work over. In one test process with
two dispatchers, and as two real `python -m bot` processes."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.methods import CopyMessage

from bot.app import create_dispatcher
from bot.runtime.i18n import create_i18n
from bot.runtime.offline import ChatSimulator, OfflineSession
from bot.runtime.services import Services
from bot.services.database import open_database
from bot.workers.broadcaster import Broadcaster
from bot.workers.lease import WORKERS_LEASE, holder_pid
from handlers.admin.broadcast import progress_view
from storage.broadcasts import Segment
from storage.db import Database, SqliteDatabase
from tests.support.fake_api import Call, FakeBotApi
from tests.support.instances import lease_row, make_bot, shut_down, start_up, two_connections
from tests.support.processes import EXIT_SECONDS, START_SECONDS, bot_env, bot_process
from tests.support.settings import ADMIN_ID, TEST_TOKEN, make_settings
from tests.support.sql import insert_people
from tests.support.waits import DEADLINE_SECONDS, until


def copies_to(session: OfflineSession, people: list[int]) -> set[int]:
    return {
        int(r.method.chat_id)
        for r in session.requests
        if isinstance(r.method, CopyMessage) and r.method.chat_id in people
    }


async def add_people(db: Database, count: int) -> list[int]:
    return await insert_people(
        db, range(200_000, 200_000 + count), first_name="Тест", consent_given_at="2026-11-01"
    )


async def test_a_broadcast_started_in_a_process_without_the_lease_is_sent_by_the_holder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.workers.broadcaster.SCHEDULER_SECONDS", 0.05)
    settings = make_settings(tmp_path, lease_seconds=1)
    session_a, session_b = OfflineSession(), OfflineSession()
    bot_a, bot_b = make_bot(settings, session_a), make_bot(settings, session_b)
    async with two_connections(settings.database) as (db_a, db_b):
        dp_a = create_dispatcher(settings, db_a, throttle=False)
        dp_b = create_dispatcher(settings, db_b, throttle=False)
        await start_up(dp_a, bot_a)
        await start_up(dp_b, bot_b)
        services_a, services_b = dp_a["services"], dp_b["services"]
        assert isinstance(services_a, Services) and isinstance(services_b, Services)
        broadcaster_a, broadcaster_b = services_a.broadcaster, services_b.broadcaster
        assert broadcaster_a.active and not broadcaster_b.active
        assert services_a.lease.held and not services_b.lease.held

        people = await add_people(db_a, 12)
        admin = ChatSimulator(dp_b, bot_b, session_b, user_id=ADMIN_ID, first_name="Админ")
        await admin.send("/broadcast")
        await admin.send("Завтра день открытых дверей!")
        await admin.click("Все подписчики (12)")
        await admin.click("Отправить сейчас")
        await until(
            lambda: copies_to(session_a, people) == set(people), "the holder sends the broadcast"
        )
        assert copies_to(session_b, people) == set()

        # A clean stop of the holder hands the work over without waiting for expiry.
        await shut_down(dp_a, bot_a)
        await until(lambda: services_b.lease.held, "the other takes over")
        assert broadcaster_b.active and not broadcaster_a.active
        await shut_down(dp_b, bot_b)
        assert await lease_row(db_a) is None
        async with db_a.autocommit() as repos:
            (row,) = await repos.broadcasts.recent(1)
            counts = await repos.broadcasts.counts(row.id)
    assert row.status == "done" and counts.sent == 12  # the admin gave no consent


async def test_a_pause_made_by_another_process_stops_the_run_here(db: Database) -> None:
    """The holder learns of a pause from the database: the process that handled the
    admin's tap cannot halt a run in another process."""
    people = await add_people(db, 300)
    async with db.transaction() as tx:
        row = await tx.broadcasts.create(
            admin_id=ADMIN_ID, source_chat_id=ADMIN_ID, source_message_id=7, segment=Segment("all")
        )
    session = OfflineSession()
    bot = Bot(TEST_TOKEN, session=session)
    engine = Broadcaster(db, create_i18n("ru"), "ru", view=progress_view, rate=200, concurrency=4)
    engine.start(bot, row.id)
    await until(lambda: len(copies_to(session, people)) >= 20, "20 copies")
    async with db.autocommit() as repos:
        assert await repos.broadcasts.set_status(row.id, "paused", only_from=("running",))
    await asyncio.wait_for(engine.wait(row.id), DEADLINE_SECONDS)
    async with db.autocommit() as repos:
        counts = await repos.broadcasts.counts(row.id)
    sent_before = len(copies_to(session, people))
    assert counts.sending == 0 and counts.sent == sent_before
    assert 20 <= sent_before < 200 and counts.pending == 300 - sent_before

    async with db.autocommit() as repos:
        await repos.broadcasts.set_status(row.id, "running", only_from=("paused",))
    engine.start(bot, row.id)
    await asyncio.wait_for(engine.wait(row.id), DEADLINE_SECONDS)
    sends = [r.method.chat_id for r in session.requests if isinstance(r.method, CopyMessage)]
    assert sorted(sends) == people  # everyone once


LEASE_SECONDS = 3


def lease_of(path: Path) -> tuple[str, float] | None:
    """The holder and expiry of the workers' lease, read as another program would."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        found = conn.execute(
            "SELECT holder, expires_at FROM leases WHERE name = ?", (WORKERS_LEASE,)
        ).fetchone()
    return (str(found[0]), float(found[1])) if found else None


def lease_holder(path: Path) -> str | None:
    lease = lease_of(path)
    return lease[0] if lease else None


def holder_process(path: Path) -> int | None:
    holder = lease_holder(path)
    return holder_pid(holder) if holder else None


async def add_running_broadcast(path: Path, source_message_id: int) -> None:
    db = await open_database(path)
    try:
        async with db.transaction() as tx:
            await tx.broadcasts.create(
                admin_id=ADMIN_ID,
                source_chat_id=ADMIN_ID,
                source_message_id=source_message_id,
                segment=Segment("all"),
            )
    finally:
        await db.close()


def copied(calls: list[Call], source_message_id: int) -> set[int]:
    return {
        int(call.params["chat_id"])
        for call in calls
        if call.method == "copyMessage" and call.params["message_id"] == source_message_id
    }


async def test_of_two_processes_one_sends_and_the_other_takes_over_when_it_is_killed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    people = [610_001, 610_002, 610_003]
    # Created before either process starts: whoever takes the lease resumes it.
    await (await SqliteDatabase.open(path)).close()
    await insert_people(path, people, first_name="Тест", consent_given_at="2026-11-01")
    await add_running_broadcast(path, 11)
    async with FakeBotApi() as api_a, FakeBotApi() as api_b:
        # The author is still an admin: a removed admin's broadcast would be paused.
        admins = str(ADMIN_ID)
        env_a = bot_env(tmp_path, api_a.url, LEASE_SECONDS=str(LEASE_SECONDS), ADMIN_IDS=admins)
        env_b = bot_env(tmp_path, api_b.url, LEASE_SECONDS=str(LEASE_SECONDS), ADMIN_IDS=admins)
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
        async with (
            bot_process(tmp_path / "a", env_a) as a,
            bot_process(tmp_path / "b", env_b) as b,
        ):
            # Start-up takes seconds on a busy machine: the imports alone.
            await api_a.wait_for("getUpdates", timeout=START_SECONDS)
            await api_b.wait_for("getUpdates", timeout=START_SECONDS)
            pid = holder_process(path)
            by_pid = {a.proc.pid: (a, api_a, b, api_b), b.proc.pid: (b, api_b, a, api_a)}
            assert pid in by_pid, lease_holder(path)
            holder, holder_api, other, other_api = by_pid[pid]

            await holder_api.wait_until(
                lambda: copied(holder_api.calls, 11) == set(people),
                "the holder sends the broadcast",
            )
            # The holder renews; the other waits: past the expiry of the lease as it was
            # first seen, it is still the holder's.
            first = lease_of(path)
            assert first is not None

            def renewed_past_first_expiry() -> bool:
                now = lease_of(path)
                assert first is not None and now is not None and now[0] == first[0]
                return time.time() > first[1] and now[1] > time.time()

            await until(renewed_past_first_expiry, "the holder renews its lease")
            assert holder_process(path) == holder.proc.pid
            assert not [c for c in other_api.calls if c.method == "copyMessage"]

            killed_at = time.time()
            holder.proc.kill()
            await asyncio.wait_for(holder.proc.wait(), EXIT_SECONDS)
            await add_running_broadcast(path, 12)
            await until(
                lambda: holder_process(path) == other.proc.pid,
                "the other process takes the lease over",
            )
            taken = lease_of(path)
            assert taken is not None
            # The lease records when it was taken: the expiry less its length.
            assert taken[1] - LEASE_SECONDS - killed_at <= LEASE_SECONDS
            await other_api.wait_until(
                lambda: copied(other_api.calls, 12) == set(people),
                "the new holder sends the broadcast started after the kill",
            )
            assert "stands by" in other.log() and "holds the 'workers' lease" in other.log()
            assert await other.stop() == 0
            assert lease_holder(path) is None  # released on a clean stop
            assert "Traceback" not in other.log()
