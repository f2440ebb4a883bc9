"""Several bot processes on one host: the workers' lease in the database decides which one
sends broadcasts and reminders, and Redis shares conversations and per-person locks.

The Redis tests use a real server: `REDIS_TEST_URL` when set, otherwise a `redis-server`
started here on a free port; without either they are skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.methods import CopyMessage
from redis.asyncio import Redis

from bot.app import create_bot, create_dispatcher
from bot.config import Settings, SettingsError, load_settings
from bot.runtime.i18n import create_i18n
from bot.runtime.offline import ChatSimulator, OfflineSession
from bot.runtime.services import Services
from bot.services.database import open_database
from bot.workers.broadcaster import Broadcaster
from bot.workers.lease import (
    WORKERS_LEASE,
    LeaseKeeper,
    holder_pid,
    is_gone,
    new_holder_id,
    this_host,
)
from handlers.admin.broadcast import progress_view
from handlers.quiz.callbacks import QuizAction
from storage.broadcasts import Segment
from storage.db import Database
from storage.leases import Lease
from tests.conftest import ADMIN_ID, TEST_TOKEN, make_settings
from tests.fake_api import Call, FakeBotApi
from tests.sql import raw_connection
from tests.test_polling_http import bot_env, bot_process
from tests.test_quiz_flow import onboard, start_quiz, tap

LEASE = WORKERS_LEASE


async def until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Wait for `condition`; returns the seconds it took."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not condition():
        if loop.time() - started > timeout:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(0.02)
    return loop.time() - started


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# --- the lease rows ---------------------------------------------------------------------------


async def test_a_lease_is_taken_refused_while_held_renewed_and_taken_after_expiry(
    db: Database,
) -> None:
    async with db.autocommit() as repos:
        assert await repos.leases.acquire(LEASE, "a", now=1000.0, seconds=30)
        assert not await repos.leases.acquire(LEASE, "b", now=1010.0, seconds=30)
        assert await repos.leases.acquire(LEASE, "a", now=1020.0, seconds=30)  # renewed
        assert await repos.leases.get(LEASE) == Lease(LEASE, "a", 1050.0)
        # The renewal counts: at 1049 the first taking (until 1030) would have expired.
        assert not await repos.leases.acquire(LEASE, "b", now=1049.0, seconds=30)
        assert await repos.leases.acquire(LEASE, "b", now=1050.5, seconds=30)
        assert await repos.leases.get(LEASE) == Lease(LEASE, "b", 1080.5)
        # The old holder cannot renew what it lost.
        assert not await repos.leases.acquire(LEASE, "a", now=1051.0, seconds=30)
        assert await repos.leases.get("another") is None


async def test_a_released_lease_is_free_at_once_and_only_its_holder_releases_it(
    db: Database,
) -> None:
    async with db.autocommit() as repos:
        assert await repos.leases.acquire(LEASE, "a", now=1000.0, seconds=30)
        assert not await repos.leases.release(LEASE, "b")
        assert not await repos.leases.acquire(LEASE, "b", now=1001.0, seconds=30)
        assert await repos.leases.release(LEASE, "a")
        assert await repos.leases.get(LEASE) is None
        assert await repos.leases.acquire(LEASE, "b", now=1002.0, seconds=30)
        # Taking from a holder that is gone succeeds only while that holder still has it.
        assert not await repos.leases.take_from(LEASE, "a", "c", now=1003.0, seconds=30)
        assert await repos.leases.take_from(LEASE, "b", "c", now=1003.0, seconds=30)
        assert await repos.leases.get(LEASE) == Lease(LEASE, "c", 1033.0)


async def test_of_many_connections_racing_for_a_free_lease_exactly_one_wins(
    settings: Settings,
) -> None:
    dbs = [await Database.open(settings.database_path) for _ in range(6)]
    try:

        async def take(db: Database, holder: str) -> bool:
            async with db.autocommit() as repos:
                return await repos.leases.acquire(LEASE, holder, now=time.time(), seconds=30)

        won = await asyncio.gather(*(take(db, f"h{i}") for i, db in enumerate(dbs)))
    finally:
        for db in dbs:
            await db.close()
    assert sorted(won) == [False] * 5 + [True]


def test_holder_ids_name_the_host_and_process_and_only_gone_local_processes_count_as_gone() -> (
    None
):
    me = new_holder_id()
    assert me.startswith(this_host() + ":") and holder_pid(me) == os.getpid()
    assert me != new_holder_id()  # two keepers in one process are two holders
    assert not is_gone(me)
    assert is_gone(f"{this_host()}:{dead_pid()}:x")
    assert not is_gone(f"{this_host()}:{os.getppid()}:x")  # alive
    assert not is_gone(f"elsewhere:{dead_pid()}:x")  # another host: only expiry tells
    assert not is_gone("garbage")


# --- the keeper -------------------------------------------------------------------------------


class Work:
    """Records when the work a lease guards starts and stops."""

    def __init__(self) -> None:
        self.events: list[str] = []

    async def begin(self) -> None:
        self.events.append("begin")

    async def end(self) -> None:
        self.events.append("end")


@contextlib.asynccontextmanager
async def two_connections(path: Path) -> AsyncIterator[tuple[Database, Database]]:
    """Two processes' views of one database file."""
    first, second = await Database.open(path), await Database.open(path)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def lease_row(db: Database) -> Lease | None:
    async with db.autocommit() as repos:
        return await repos.leases.get(LEASE)


async def test_one_keeper_works_while_the_other_waits_then_takes_over_on_release(
    settings: Settings,
) -> None:
    async with two_connections(settings.database_path) as (db_a, db_b):
        a, b = LeaseKeeper(db_a, seconds=1.5), LeaseKeeper(db_b, seconds=1.5)
        work_a, work_b = Work(), Work()
        assert await a.start(work_a.begin, work_a.end)
        assert not await b.start(work_b.begin, work_b.end)
        await asyncio.sleep(1.2)  # renewals and attempts
        assert a.held and not b.held
        assert work_a.events == ["begin"] and work_b.events == []
        row = await lease_row(db_a)
        assert row is not None and row.holder == a.holder and row.expires_at > time.time()

        await a.stop()
        assert work_a.events == ["begin", "end"]
        took = await until(lambda: b.held, timeout=3.0, what="the other keeper takes over")
        # At its next try (every 0.5 s), not when the lease would have expired (≥ 1 s).
        assert took < 1.0
        assert work_b.events == ["begin"]
        await b.stop()
        assert work_b.events == ["begin", "end"]
        assert await lease_row(db_a) is None


async def test_a_lease_of_a_holder_that_stopped_renewing_is_taken_once_it_expires(
    db: Database,
) -> None:
    async with db.autocommit() as repos:
        await repos.leases.acquire(LEASE, "far-away:1:x", now=time.time(), seconds=0.6)
    keeper, work = LeaseKeeper(db, seconds=0.3), Work()
    started = time.monotonic()
    assert not await keeper.start(work.begin, work.end)
    await until(lambda: keeper.held, timeout=2.0, what="the expired lease is taken")
    assert 0.5 <= time.monotonic() - started <= 2.0
    assert work.events == ["begin"]
    await keeper.stop()


async def test_a_lease_of_a_process_gone_from_this_host_is_taken_at_start_up(
    db: Database,
) -> None:
    """A restart after a crash need not wait for the dead process's lease to expire."""
    gone = f"{this_host()}:{dead_pid()}:x"
    alive = f"{this_host()}:{os.getppid()}:x"
    async with db.autocommit() as repos:
        await repos.leases.acquire(LEASE, alive, now=time.time(), seconds=60)
    waiting, work = LeaseKeeper(db, seconds=60), Work()
    assert not await waiting.start(work.begin, work.end)
    await waiting.stop()
    async with db.autocommit() as repos:
        await repos.leases.release(LEASE, alive)
        await repos.leases.acquire(LEASE, gone, now=time.time(), seconds=60)
    keeper = LeaseKeeper(db, seconds=60)
    assert await keeper.start(work.begin, work.end)
    assert work.events == ["begin"]
    await keeper.stop()


async def test_a_holder_that_finds_its_lease_taken_stops_its_work(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with two_connections(settings.database_path) as (db_a, db_b):
        keeper, work = LeaseKeeper(db_a, seconds=0.3), Work()
        assert await keeper.start(work.begin, work.end)
        # As if this process had stalled past the expiry and another took the lease.
        async with db_b.autocommit() as repos:
            await raw_connection(repos).execute(
                "UPDATE leases SET holder = 'thief:1:x', expires_at = ?", (time.time() + 60,)
            )
        await until(lambda: not keeper.held, timeout=3.0, what="the loss is noticed")
        assert work.events == ["begin", "end"]
        await keeper.stop()
        assert work.events == ["begin", "end"]  # stopped once
        row = await lease_row(db_a)
        assert row is not None and row.holder == "thief:1:x"  # not released: not its own
    assert "taken by another process" in caplog.text


# --- the bot: only the holder sends -----------------------------------------------------------


def make_bot(settings: Settings, session: OfflineSession) -> Bot:
    return create_bot(settings, session=session, token=TEST_TOKEN)


async def start_up(dispatcher: Dispatcher, bot: Bot) -> None:
    await dispatcher.emit_startup(bot=bot, **dispatcher.workflow_data)


async def shut_down(dispatcher: Dispatcher, bot: Bot) -> None:
    await dispatcher.emit_shutdown(bot=bot, **dispatcher.workflow_data)


def copies_to(session: OfflineSession, people: list[int]) -> set[int]:
    return {
        int(r.method.chat_id)
        for r in session.requests
        if isinstance(r.method, CopyMessage) and r.method.chat_id in people
    }


async def add_people(db: Database, count: int) -> list[int]:
    ids = list(range(200_000, 200_000 + count))
    async with db.transaction() as tx:
        await raw_connection(tx).executemany(
            "INSERT INTO users (id, first_name, consent_given_at) "
            "VALUES (?, 'Тест', '2026-11-01')",
            [(i,) for i in ids],
        )
    return ids


async def test_a_broadcast_started_in_a_process_without_the_lease_is_sent_by_the_holder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.workers.broadcaster.SCHEDULER_SECONDS", 0.05)
    settings = make_settings(tmp_path, lease_seconds=1)
    session_a, session_b = OfflineSession(), OfflineSession()
    bot_a, bot_b = make_bot(settings, session_a), make_bot(settings, session_b)
    async with two_connections(settings.database_path) as (db_a, db_b):
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
        await admin.click("Все, кто дал согласие (12)")
        await admin.click("Отправить сейчас")
        await until(
            lambda: copies_to(session_a, people) == set(people),
            timeout=15,
            what="the holder sends the broadcast",
        )
        assert copies_to(session_b, people) == set()

        # A clean stop of the holder hands the work over without waiting for expiry.
        await shut_down(dp_a, bot_a)
        await until(lambda: services_b.lease.held, timeout=3.0, what="the other takes over")
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
    await until(lambda: len(copies_to(session, people)) >= 20, timeout=5, what="20 copies")
    async with db.autocommit() as repos:
        assert await repos.broadcasts.set_status(row.id, "paused", only_from=("running",))
    await asyncio.wait_for(engine.wait(row.id), 5)
    async with db.autocommit() as repos:
        counts = await repos.broadcasts.counts(row.id)
    sent_before = len(copies_to(session, people))
    assert counts.sending == 0 and counts.sent == sent_before
    assert 20 <= sent_before < 200 and counts.pending == 300 - sent_before

    async with db.autocommit() as repos:
        await repos.broadcasts.set_status(row.id, "running", only_from=("paused",))
    engine.start(bot, row.id)
    await asyncio.wait_for(engine.wait(row.id), 10)
    sends = [r.method.chat_id for r in session.requests if isinstance(r.method, CopyMessage)]
    assert sorted(sends) == people  # everyone once


# --- two real processes -----------------------------------------------------------------------

LEASE_SECONDS = 3


def lease_holder(path: Path) -> str | None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        found = conn.execute("SELECT holder FROM leases WHERE name = ?", (LEASE,)).fetchone()
    return str(found[0]) if found else None


def holder_process(path: Path) -> int | None:
    holder = lease_holder(path)
    return holder_pid(holder) if holder else None


async def add_running_broadcast(path: Path, source_message_id: int, people: list[int]) -> None:
    db = await open_database(path)
    try:
        async with db.transaction() as tx:
            await raw_connection(tx).executemany(
                "INSERT OR IGNORE INTO users (id, first_name, consent_given_at) "
                "VALUES (?, 'Тест', '2026-11-01')",
                [(i,) for i in people],
            )
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
    await add_running_broadcast(path, 11, people)
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
            await api_a.wait_for("getUpdates", timeout=90)
            await api_b.wait_for("getUpdates", timeout=90)
            pid = holder_process(path)
            by_pid = {a.proc.pid: (a, api_a, b, api_b), b.proc.pid: (b, api_b, a, api_a)}
            assert pid in by_pid, lease_holder(path)
            holder, holder_api, other, other_api = by_pid[pid]

            await until(
                lambda: copied(holder_api.calls, 11) == set(people),
                timeout=15,
                what="the holder sends the broadcast",
            )
            await asyncio.sleep(LEASE_SECONDS * 1.5)  # the holder renews; the other waits
            assert holder_process(path) == holder.proc.pid
            assert not [c for c in other_api.calls if c.method == "copyMessage"]

            holder.proc.kill()
            await asyncio.wait_for(holder.proc.wait(), 10)
            await add_running_broadcast(path, 12, people)
            took = await until(
                lambda: holder_process(path) == other.proc.pid,
                timeout=LEASE_SECONDS + 2,
                what="the other process takes the lease over",
            )
            assert took <= LEASE_SECONDS
            await until(
                lambda: copied(other_api.calls, 12) == set(people),
                timeout=25,
                what="the new holder sends the broadcast started after the kill",
            )
            assert "stands by" in other.log() and "holds the 'workers' lease" in other.log()
            assert await other.stop() == 0
            assert lease_holder(path) is None  # released on a clean stop
            assert "Traceback" not in other.log()


# --- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [("REDIS_URL", "localhost:6379"), ("LEASE_SECONDS", "0"), ("LEASE_SECONDS", "soon")],
)
def test_bad_redis_url_or_lease_seconds_stop_start_up_with_one_sentence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(f"{name} is invalid") and "\n" not in message
    if name == "REDIS_URL":
        assert value not in message  # a Redis address may carry a password


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_unreachable_redis_stops_start_up_naming_redis_url(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    db = await open_database(settings.database_path)
    try:
        dispatcher = create_dispatcher(settings, db)
        assert isinstance(dispatcher.storage, RedisStorage)
        with pytest.raises(SettingsError, match=r"^REDIS_URL cannot be used"):
            await start_up(dispatcher, make_bot(settings, OfflineSession()))
    finally:
        await db.close()


# --- Redis ------------------------------------------------------------------------------------


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("REDIS_TEST_URL")
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs Redis: set REDIS_TEST_URL or install redis-server")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not _answers_ping(port):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def redis_settings(redis_url: str, tmp_path: Path) -> Settings:
    return make_settings(tmp_path, redis_url=redis_url)


def person_id() -> int:
    """A new person per test: the server may be shared, and its keys outlive a test."""
    return random.randrange(10**9, 2 * 10**9)


async def forget_keys(url: str, *user_ids: int) -> None:
    client = Redis.from_url(url)
    try:
        for user_id in user_ids:
            keys = [key async for key in client.scan_iter(match=f"fsm:*:{user_id}:*")]
            if keys:
                await client.delete(*keys)
    finally:
        await client.aclose()


async def test_a_quiz_started_through_one_process_goes_on_through_another(
    redis_settings: Settings, redis_url: str
) -> None:
    session = OfflineSession()
    bot = make_bot(redis_settings, session)
    user_id = person_id()
    async with two_connections(redis_settings.database_path) as (db_a, db_b):
        dp_a = create_dispatcher(redis_settings, db_a, throttle=False)
        dp_b = create_dispatcher(redis_settings, db_b, throttle=False)
        try:
            client = ChatSimulator(dp_a, bot, session, user_id=user_id, first_name="Аня")
            await onboard(client)
            await start_quiz(client, "Тест интересов")
            for _ in range(3):
                await tap(client, QuizAction.answer, 4)
            assert client.last_text.startswith("Вопрос 4 из 30")

            client.dispatcher = dp_b  # the next update reaches the other process
            await tap(client, QuizAction.answer, 4)
            assert client.last_text.startswith("Вопрос 5 из 30")
            await tap(client, QuizAction.back)
            assert client.last_text.startswith("Вопрос 4 из 30")

            client.dispatcher = dp_a
            await tap(client, QuizAction.answer, 2)
            assert client.last_text.startswith("Вопрос 5 из 30")
        finally:
            await dp_a.fsm.close()
            await dp_b.fsm.close()
            await forget_keys(redis_url, user_id)
        async with db_a.autocommit() as repos:
            rows = list(
                await raw_connection(repos).execute_fetchall("SELECT count(*) FROM fsm_state")
            )
        assert rows[0][0] == 0  # the conversation lives in Redis, not in the file


async def test_one_persons_updates_wait_for_each_other_across_processes(
    redis_settings: Settings, redis_url: str
) -> None:
    user_id, other_id = person_id(), person_id()
    async with two_connections(redis_settings.database_path) as (db_a, db_b):
        dp_a = create_dispatcher(redis_settings, db_a, throttle=False)
        dp_b = create_dispatcher(redis_settings, db_b, throttle=False)
        session_b, session_other = OfflineSession(), OfflineSession()
        person = ChatSimulator(
            dp_b, make_bot(redis_settings, session_b), session_b, user_id=user_id
        )
        other = ChatSimulator(
            dp_b, make_bot(redis_settings, session_other), session_other, user_id=other_id
        )
        key = StorageKey(bot_id=42, chat_id=user_id, user_id=user_id)
        try:
            # Process A is handling an update of this person (it holds their lock).
            async with dp_a.fsm.events_isolation.lock(key):
                waiting = asyncio.create_task(person.send("/help"))
                await asyncio.sleep(0.5)
                assert not waiting.done() and not session_b.requests
                # Nobody else waits.
                await asyncio.wait_for(other.send("/help"), 5)
                assert session_other.requests
            replies = await asyncio.wait_for(waiting, 5)
            assert replies, "the update went on once process A was done"
        finally:
            await dp_a.fsm.close()
            await dp_b.fsm.close()
            await forget_keys(redis_url, user_id, other_id)


async def keys_of(url: str, user_id: int) -> list[bytes]:
    client = Redis.from_url(url)
    try:
        return [key async for key in client.scan_iter(match=f"fsm:*:{user_id}:*")]
    finally:
        await client.aclose()


async def test_forget_leaves_nothing_about_the_person_in_redis(
    redis_settings: Settings, redis_url: str, db: Database
) -> None:
    dispatcher = create_dispatcher(redis_settings, db, throttle=False)
    session = OfflineSession()
    user_id = person_id()
    client = ChatSimulator(dispatcher, make_bot(redis_settings, session), session, user_id=user_id)
    try:
        await onboard(client)
        await start_quiz(client, "Тест интересов")
        await tap(client, QuizAction.answer, 4)
        assert await keys_of(redis_url, user_id)
        await client.send("/forget")
        await client.click("Да, удалить всё")
        assert "удалены" in client.last_text
        assert await keys_of(redis_url, user_id) == []
    finally:
        await dispatcher.fsm.close()
        await forget_keys(redis_url, user_id)


async def client_count(url: str) -> int:
    admin = Redis.from_url(url)
    try:
        clients = await admin.client_list()
    finally:
        await admin.aclose()
    return len(clients) - 1  # less this one


async def test_shutdown_closes_the_redis_connections_after_the_updates_drain(
    redis_settings: Settings, redis_url: str, db: Database
) -> None:
    dispatcher = create_dispatcher(redis_settings, db, throttle=False)
    assert dispatcher.shutdown.handlers[-1].callback == dispatcher.fsm.close
    before = await client_count(redis_url)
    session = OfflineSession()
    bot = make_bot(redis_settings, session)
    user_id = person_id()
    await start_up(dispatcher, bot)
    try:
        await ChatSimulator(dispatcher, bot, session, user_id=user_id).send("/start")
        assert await client_count(redis_url) > before
    finally:
        await shut_down(dispatcher, bot)
        await forget_keys(redis_url, user_id)
    deadline = time.monotonic() + 3  # the server notices closed connections a moment later
    while (now := await client_count(redis_url)) != before and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert now == before
