"""Reminders as rules and as the sender's loop: daytime in the person's time zone, one a day,
never twice, and never to those who opted out or blocked the bot."""

from __future__ import annotations

from datetime import UTC, date, datetime

from aiogram import Bot
from aiogram.methods import SendMessage

from bot.domain.reminders import daytime, iso, programme_reminder_due, when_to_send
from bot.runtime.i18n import create_i18n
from bot.runtime.offline import OfflineSession
from bot.workers.reminders import ReminderSender
from handlers.reminders.router import render_reminder
from storage.db import Database
from tests.support.sql import execute, query

VLADIVOSTOK = "Asia/Vladivostok"  # UTC+10


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_reminders_move_into_daytime_of_the_person() -> None:
    # 05:00 UTC is 08:00 in Moscow: wait till 10:00 there.
    assert daytime(utc(2026, 11, 26, 5, 0), "Europe/Moscow") == utc(2026, 11, 26, 7, 0)
    # 12:00 UTC is 22:00 in Vladivostok: the next morning there, 10:00 = 00:00 UTC.
    assert daytime(utc(2026, 11, 26, 12, 0), VLADIVOSTOK) == utc(2026, 11, 27, 0, 0)
    # 03:00 UTC is 13:00 there: at once.
    assert daytime(utc(2026, 11, 26, 3, 0), VLADIVOSTOK) == utc(2026, 11, 26, 3, 0)


def test_one_reminder_a_day_at_most() -> None:
    now = utc(2026, 11, 26, 9, 0)  # 12:00 in Moscow
    earlier_today = utc(2026, 11, 26, 8, 0)
    assert when_to_send(now, now, None, None) == now
    assert when_to_send(now, now, None, earlier_today) == utc(2026, 11, 27, 7, 0)
    assert when_to_send(now, now, None, utc(2026, 11, 25, 8, 0)) == now


def test_a_programme_reminder_is_for_the_morning_before_the_start() -> None:
    now = utc(2026, 11, 26, 9, 0)
    assert programme_reminder_due(date(2026, 12, 7), None, now) == utc(2026, 12, 6, 7, 0)
    assert programme_reminder_due(date(2026, 11, 26), None, now) is None  # too late


async def add_person(db: Database, user_id: int, region: str | None = None) -> None:
    async with db.transaction() as tx:
        await tx.users.ensure(user_id)
    await execute(
        db,
        "UPDATE users SET region_slug = ?, consent_given_at = '2026-11-01T00:00:00Z' WHERE id = ?",
        region,
        user_id,
    )


async def test_the_loop_sends_in_daytime_once_and_respects_the_person(db: Database) -> None:
    await add_person(db, 1, "primorsky-krai")  # Vladivostok
    await add_person(db, 2)  # Moscow time
    await add_person(db, 3)
    await add_person(db, 4)
    async with db.transaction() as tx:
        for person in (1, 2, 3, 4):
            await tx.reminders.schedule(person, "quiz_paused", "2026-11-26T11:00:00Z")
        await tx.reminders.set_off(3, off=True)
        await tx.users.set_blocked(4, blocked=True)
    session = OfflineSession()
    bot = Bot("42:TEST", session=session)
    clock = [utc(2026, 11, 26, 12, 0)]  # 15:00 in Moscow, 22:00 in Vladivostok
    sender = ReminderSender(
        db, create_i18n("ru"), "ru", render=render_reminder, clock=lambda: clock[0]
    )

    assert await sender.tick(bot) == 1
    sent = [r.method for r in session.requests if isinstance(r.method, SendMessage)]
    assert [m.chat_id for m in sent] == [2]  # not at night, not to the opted-out or blocked
    assert sent[0].text is not None and "остановились на полпути" in sent[0].text
    assert await sender.tick(bot) == 0  # never twice

    clock[0] = utc(2026, 11, 27, 0, 1)  # 10:01 in Vladivostok
    assert await sender.tick(bot) == 1
    assert [m.method.chat_id for m in session.requests if isinstance(m.method, SendMessage)][
        -1
    ] == 1

    # A second reminder for person 2 the same local day waits for the next morning.
    async with db.transaction() as tx:
        await tx.reminders.schedule(2, "program_start", "2026-11-26T12:30:00Z", "sample-041")
    clock[0] = utc(2026, 11, 26, 13, 0)
    assert await sender.tick(bot) == 0
    rows = await query(
        db, "SELECT due_at, status FROM reminders WHERE user_id = 2 AND kind = 'program_start'"
    )
    assert rows == [(iso(utc(2026, 11, 27, 7, 0)), "pending")]
