"""Planning reminders: a nudge a day after a paused test, a note the day before a programme
the person applied for starts, and the person's switch to turn them off. When they are sent
is `bot.domain.reminders`; the sending is `bot.workers.reminders`."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.catalogue import Program
from bot.domain.reminders import QUIZ_NUDGE_AFTER, iso, programme_reminder_due
from storage.db import Database
from storage.reminders import DueReminder


async def plan_quiz_nudge(db: Database, user_id: int) -> None:
    async with db.autocommit() as repos:
        when = datetime.now(UTC) + QUIZ_NUDGE_AFTER
        await repos.reminders.schedule(user_id, "quiz_paused", iso(when))


async def drop_quiz_nudge(db: Database, user_id: int) -> None:
    async with db.autocommit() as repos:
        await repos.reminders.drop(user_id, "quiz_paused")


async def plan_programme_reminder(
    db: Database, user_id: int, program: Program, zone: str | None
) -> None:
    """`zone`: the person's region time zone (None: Moscow time)."""
    if program.next_start is None:
        return
    when = programme_reminder_due(program.next_start, zone, datetime.now(UTC))
    if when is not None:
        async with db.autocommit() as repos:
            await repos.reminders.schedule(user_id, "program_start", iso(when), program.id)


async def reminders_off(db: Database, user_id: int) -> bool:
    async with db.autocommit() as repos:
        return await repos.reminders.is_off(user_id)


async def switch_reminders(db: Database, user_id: int, *, off: bool) -> None:
    async with db.autocommit() as repos:
        await repos.reminders.set_off(user_id, off=off)


async def reminded_program(db: Database, reminder: DueReminder) -> Program | None:
    """The programme a start reminder is about (None when it left the catalogue)."""
    async with db.autocommit() as repos:
        return await repos.catalogue.program(reminder.subject)
