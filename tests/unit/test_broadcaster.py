"""The broadcaster and its queue: flood control, blocked people, pause and resume, a restart
in the middle, the pace, and audiences."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.methods import CopyMessage, EditMessageText, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.config import Settings
from bot.domain.when import parse_when
from bot.runtime.i18n import create_i18n
from bot.runtime.offline import OfflineSession
from bot.workers.broadcaster import Broadcaster, Pacer
from handlers.admin.broadcast import progress_view
from storage.broadcasts import Segment
from storage.db import Database
from tests.support.settings import ADMIN_ID
from tests.support.sql import add_people, query
from tests.support.waits import until

ADMIN_CHAT = ADMIN_ID
AGREED = "2026-11-01T00:00:00Z"  # only people who agreed to data storage get broadcasts
SOURCE_MESSAGE = 77


class FlakySession(OfflineSession):
    """Telegram as a broadcast meets it: 429 at chosen calls, 403 for chosen people, and a
    little latency. Records who got a copy."""

    def __init__(self, *, flood_at: set[int], blocked: set[int], latency: float = 0.0) -> None:
        super().__init__()
        self.flood_at = flood_at
        self.blocked = blocked
        self.latency = latency
        self.copies = 0
        self.delivered: list[int] = []

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        copy = method if isinstance(method, CopyMessage) else None
        to_person = copy is not None and copy.chat_id != ADMIN_CHAT
        if copy is not None and to_person:
            self.copies += 1
            if self.latency:
                await asyncio.sleep(self.latency)
            if self.copies in self.flood_at:
                flood = "Too Many Requests: retry after 1"
                self.queue_response(
                    CopyMessage, status=429, ok=False, description=flood, retry_after=1
                )
            elif copy.chat_id in self.blocked:
                gone = "Forbidden: bot was blocked by the user"
                self.queue_response(CopyMessage, status=403, ok=False, description=gone)
        result = await super().make_request(bot, method, timeout)
        if copy is not None and to_person:
            assert isinstance(copy.chat_id, int)
            self.delivered.append(copy.chat_id)  # reached only when Telegram said OK
        return result


def broadcaster(db: Database, settings: Settings, **options: Any) -> Broadcaster:
    rate = options.pop("rate", 5000)
    engine = Broadcaster(db, create_i18n("ru"), "ru", view=progress_view, rate=rate, **options)
    return engine


EVERYONE = Segment("all")


async def new_broadcast(db: Database, segment: Segment = EVERYONE) -> int:
    async with db.transaction() as tx:
        row = await tx.broadcasts.create(
            admin_id=ADMIN_ID,
            source_chat_id=ADMIN_CHAT,
            source_message_id=SOURCE_MESSAGE,
            segment=segment,
        )
        await tx.broadcasts.set_progress_message(row.id, ADMIN_CHAT, 5)
    return row.id


async def test_two_thousand_recipients_each_get_it_once_through_floods_and_blocks(
    db: Database, settings: Settings
) -> None:
    people = await add_people(db, 2000, consent_given_at=AGREED)
    blocked = set(people[::97])  # 21 people blocked the bot
    session = FlakySession(flood_at={300, 301, 1200}, blocked=blocked, latency=0.001)
    bot = Bot("42:TEST", session=session)
    engine = broadcaster(db, settings, concurrency=8, progress_every=0.2)
    broadcast_id = await new_broadcast(db)

    engine.start(bot, broadcast_id)
    await engine.wait(broadcast_id)

    counted = Counter(session.delivered)
    reachable = set(people) - blocked
    assert set(counted) == reachable and max(counted.values()) == 1  # once each, all of them
    async with db.autocommit() as repos:
        counts = await repos.broadcasts.counts(broadcast_id)
        row = await repos.broadcasts.get(broadcast_id)
    assert (counts.sent, counts.blocked, counts.failed, counts.left) == (1979, 21, 0, 0)
    assert row is not None and row.status == "done" and row.finished_at
    still_blocked = await query(db, "SELECT count(*) FROM users WHERE is_blocked = 1")
    assert still_blocked == [(21,)]  # skipped by later broadcasts

    edits = [r.method for r in session.requests if isinstance(r.method, EditMessageText)]
    assert len(edits) >= 2 and all(e.chat_id == ADMIN_CHAT and e.message_id == 5 for e in edits)
    final = edits[-1].text
    assert final is not None
    assert "Доставлено: 1979 · заблокировали: 21 · ошибок: 0 · осталось: 0" in final
    assert "100%" in final and "✅" in final and edits[-1].reply_markup is None
    reports = [r.method for r in session.requests if isinstance(r.method, SendMessage)]
    assert [m.text for m in reports if m.chat_id == ADMIN_CHAT] == [final]  # it notifies

    # The next broadcast leaves the blocked people out from the start.
    async with db.autocommit() as repos:
        assert await repos.broadcasts.count_audience(Segment("all")) == 1979


async def test_other_errors_are_retried_then_failed_with_the_reason(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    (person,) = await add_people(db, 1, consent_given_at=AGREED)
    monkeypatch.setattr("bot.workers.broadcaster.BACKOFF_SECONDS", 0.001)
    session = OfflineSession()
    for _ in range(3):
        session.queue_response(CopyMessage, status=400, ok=False,
                               description="Bad Request: message to copy not found")  # fmt: skip
    bot = Bot("42:TEST", session=session)
    engine = broadcaster(db, settings)
    broadcast_id = await new_broadcast(db)
    engine.start(bot, broadcast_id)
    await engine.wait(broadcast_id)
    rows = await query(
        db, "SELECT status, attempts, error FROM broadcast_recipients WHERE user_id = ?", person
    )
    assert rows == [("failed", 1, "Bad Request: message to copy not found")]
    assert len([r for r in session.requests if isinstance(r.method, CopyMessage)]) == 3


async def test_a_restart_in_the_middle_skips_nobody_and_repeats_only_in_flight(
    db: Database, settings: Settings
) -> None:
    people = await add_people(db, 300, consent_given_at=AGREED)
    broadcast_id = await new_broadcast(db)
    # As a crash leaves it: 100 recorded as sent, 8 taken and maybe sent, the rest pending.
    async with db.transaction() as tx:
        taken = await tx.broadcasts.claim(broadcast_id, 108)
        for user_id in taken[:100]:
            await tx.broadcasts.record(broadcast_id, user_id, "sent")
    in_flight = set(taken[100:])

    session = FlakySession(flood_at=set(), blocked=set())
    bot = Bot("42:TEST", session=session)
    engine = broadcaster(db, settings, concurrency=8)
    assert await engine.resume(bot) == [broadcast_id]
    await engine.wait(broadcast_id)
    await engine.stop(1)

    assert set(session.delivered) == set(people) - set(taken[:100])  # nobody skipped
    assert in_flight <= set(session.delivered) and len(in_flight) <= engine.concurrency
    async with db.autocommit() as repos:
        counts = await repos.broadcasts.counts(broadcast_id)
    assert counts.sent == 300 and counts.left == 0


async def test_pause_stops_sending_and_resume_finishes_without_repeats(
    db: Database, settings: Settings
) -> None:
    people = await add_people(db, 200, consent_given_at=AGREED)
    session = FlakySession(flood_at=set(), blocked=set())
    bot = Bot("42:TEST", session=session)
    engine = broadcaster(db, settings, rate=400, concurrency=4)
    broadcast_id = await new_broadcast(db)
    engine.start(bot, broadcast_id)
    await until(lambda: len(session.delivered) >= 20, "20 copies")
    async with db.autocommit() as repos:
        assert await repos.broadcasts.set_status(broadcast_id, "paused", only_from=("running",))
    engine.halt(broadcast_id)
    await engine.wait(broadcast_id)
    sent_before = len(session.delivered)
    async with db.autocommit() as repos:
        paused = await repos.broadcasts.counts(broadcast_id)
    assert 0 < sent_before < 200 and paused.sending == 0 and paused.pending == 200 - sent_before

    async with db.autocommit() as repos:
        await repos.broadcasts.set_status(broadcast_id, "running", only_from=("paused",))
    engine.start(bot, broadcast_id)
    await engine.wait(broadcast_id)
    assert sorted(session.delivered) == sorted(people)


async def test_the_pacer_holds_the_rate_and_a_pause_holds_everyone() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(round(seconds, 6))

    pacer = Pacer(rate=25, clock=lambda: 100.0, sleep=sleep)  # the clock stands still
    for _ in range(4):
        await pacer.slot()
    assert waits == [0.04, 0.08, 0.12]  # 25 a second, whoever asks
    pacer.pause(2.0)
    await pacer.slot()
    assert waits[-1] == 2.0  # after a 429 everybody waits for the time Telegram asked


# --- audiences ----------------------------------------------------------------------------------


async def test_audience_counts_match_the_recipients_queued(db: Database) -> None:
    consent = "2026-11-01T00:00:00Z"
    await add_people(db, 5, role="student", consent_given_at=consent, region_slug="perm-krai")
    await add_people(db, 7, role="adult", consent_given_at=consent, locale="en")
    await add_people(db, 3, role="parent", consent_given_at=consent, source="school_42")
    await add_people(db, 2, role="adult", consent_given_at=consent, is_blocked=1)
    (applicant,) = await add_people(db, 1, role="adult", consent_given_at=consent)
    async with db.transaction() as tx:
        await tx.leads.add(user_id=applicant, program_id="sample-041", center_id=None,
                           program_title="x", name="x", phone="+7912", quiz_code=None)  # fmt: skip
        await tx.results.add(user_id=applicant, instrument="riasec", answers=[], scores={},
                             code="S-A-E", vector={}, started_at=consent)  # fmt: skip
    expected = {
        Segment("all"): 16,
        Segment("students"): 5,
        Segment("adults"): 11,
        Segment("region", "perm-krai"): 5,
        Segment("language", "en"): 7,
        Segment("source", "school_42"): 3,
        Segment("applied"): 1,
        Segment("type", "S"): 1,
        Segment("type", "A"): 0,
    }
    for segment, count in expected.items():
        async with db.transaction() as tx:
            assert await tx.broadcasts.count_audience(segment) == count, segment
            row = await tx.broadcasts.create(
                admin_id=ADMIN_ID, source_chat_id=1, source_message_id=1, segment=segment
            )
            queued = await tx.broadcasts.counts(row.id)
        assert row.total == queued.pending == count, segment


def parse_local_time(text: str, zone: str, now: datetime) -> datetime | None:
    return parse_when(text, zone, now).at


def test_a_scheduled_time_is_read_in_the_admins_time_zone() -> None:
    now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # 12:00 in Moscow, 19:00 in Vladivostok
    assert parse_local_time("27.11 10:00", "Europe/Moscow", now) == datetime(
        2026, 11, 27, 7, 0, tzinfo=UTC
    )
    assert parse_local_time("10:00", "Asia/Vladivostok", now) == datetime(
        2026, 11, 27, 0, 0, tzinfo=UTC
    )  # 10:00 has passed there today: tomorrow
    assert parse_local_time("20:30", "Asia/Vladivostok", now) == datetime(
        2026, 11, 26, 10, 30, tzinfo=UTC
    )
    for bad in ("завтра", "25:00", "31.02 10:00", "01.01.2020 10:00", ""):
        assert parse_local_time(bad, "Europe/Moscow", now) is None, bad


def test_segments_round_trip_and_refuse_unknown_kinds() -> None:
    assert Segment.from_json(Segment("region", "perm-krai").to_json()) == Segment(
        "region", "perm-krai"
    )
    with pytest.raises(ValueError):
        Segment.from_json(json.dumps({"kind": "everyone-and-more"}))


async def test_a_pause_asked_while_senders_wait_holds_them_too() -> None:
    clock = [0.0]
    sent_at: list[float] = []
    pacer: Pacer

    async def sleep(seconds: float) -> None:
        clock[0] += seconds
        if len(sent_at) == 1 and pacer._paused_until == 0:
            pacer.pause(2.0)  # a 429 arrives while this sender waits for its slot

    pacer = Pacer(rate=25, clock=lambda: clock[0], sleep=sleep)
    for _ in range(3):
        await pacer.slot()
        sent_at.append(clock[0])
    assert sent_at[0] == 0.0
    assert sent_at[1] >= 2.0  # the waiting sender did not go out inside the pause
    assert sent_at[2] == pytest.approx(sent_at[1] + 0.04)
