"""The workers' lease in the database: the rows, and the keeper that takes, renews and gives
it up, so that only one process sends broadcasts and reminders."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from bot.config import Settings
from bot.workers.lease import (
    WORKERS_LEASE,
    LeaseKeeper,
    holder_pid,
    is_gone,
    new_holder_id,
    this_host,
)
from storage.connect import connect
from storage.db import Database
from storage.leases import Lease
from tests.support.instances import lease_row, two_connections
from tests.support.processes import dead_pid
from tests.support.sql import execute
from tests.support.waits import until

LEASE = WORKERS_LEASE


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
    dbs = [await connect(settings.database) for _ in range(6)]
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


class CountingClock:
    """Wall time, counting the keeper's attempts: it reads the clock once at each."""

    def __init__(self) -> None:
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return time.time()


# Tries every second: the release is noticed a second at most after it, the expiry of a
# renewed lease is two seconds away at least.
KEEPER_SECONDS = 3.0


async def test_one_keeper_works_while_the_other_waits_then_takes_over_on_release(
    settings: Settings,
) -> None:
    async with two_connections(settings.database) as (db_a, db_b):
        b_clock = CountingClock()
        a = LeaseKeeper(db_a, seconds=KEEPER_SECONDS)
        b = LeaseKeeper(db_b, seconds=KEEPER_SECONDS, clock=b_clock)
        work_a, work_b = Work(), Work()
        assert await a.start(work_a.begin, work_a.end)
        assert not await b.start(work_b.begin, work_b.end)
        first = await lease_row(db_a)
        assert first is not None
        first_expiry = first.expires_at

        async def renewed() -> bool:
            row = await lease_row(db_a)
            return row is not None and row.expires_at > first_expiry

        # A renewal, and an attempt of the other keeper finished: it began its next one.
        await until(renewed, "the holder renews the lease")
        await until(lambda: b_clock.reads >= 3, "the other keeper tries twice")
        assert a.held and not b.held
        assert work_a.events == ["begin"] and work_b.events == []
        row = await lease_row(db_a)
        assert row is not None and row.holder == a.holder and row.expires_at > time.time()

        await a.stop()
        assert work_a.events == ["begin", "end"]
        await until(lambda: b.held, "the other keeper takes over")
        taken = await lease_row(db_b)
        assert taken is not None and taken.holder == b.holder
        # At its next try, not when the released lease would have expired.
        assert taken.expires_at - KEEPER_SECONDS < row.expires_at
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
    await until(lambda: keeper.held, "the expired lease is taken")
    assert time.monotonic() - started >= 0.5
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
    async with two_connections(settings.database) as (db_a, db_b):
        keeper, work = LeaseKeeper(db_a, seconds=0.3), Work()
        assert await keeper.start(work.begin, work.end)
        # As if this process had stalled past the expiry and another took the lease.
        await execute(
            db_b, "UPDATE leases SET holder = 'thief:1:x', expires_at = ?", time.time() + 60
        )
        await until(lambda: not keeper.held, "the loss is noticed")
        assert work.events == ["begin", "end"]
        await keeper.stop()
        assert work.events == ["begin", "end"]  # stopped once
        row = await lease_row(db_a)
        assert row is not None and row.holder == "thief:1:x"  # not released: not its own
    assert "taken by another process" in caplog.text
