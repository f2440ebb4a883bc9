"""Reminder rows: scheduled, due, sent or dropped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import aiosqlite

ReminderKind = Literal["quiz_paused", "program_start"]


@dataclass(frozen=True, slots=True)
class DueReminder:
    id: int
    user_id: int
    kind: ReminderKind
    subject: str
    due_at: str
    timezone: str | None  # of the person's region, when known
    last_sent_at: str | None  # the person's latest reminder of any kind


class RemindersRepo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def schedule(
        self, user_id: int, kind: ReminderKind, due_at: str, subject: str = ""
    ) -> None:
        """Plan (or plan again) one reminder of this kind and subject for the person."""
        await self._conn.execute(
            "INSERT INTO reminders (user_id, kind, subject, due_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_id, kind, subject) DO UPDATE SET due_at = excluded.due_at, "
            "status = 'pending', sent_at = NULL",
            (user_id, kind, subject, due_at),
        )

    async def drop(self, user_id: int, kind: ReminderKind, subject: str = "") -> None:
        await self._conn.execute(
            "UPDATE reminders SET status = 'dropped' "
            "WHERE user_id = ? AND kind = ? AND subject = ? AND status = 'pending'",
            (user_id, kind, subject),
        )

    async def due(self, now_utc: str, limit: int = 100) -> list[DueReminder]:
        """Pending reminders that are due, of people who can get them."""
        rows = await self._conn.execute_fetchall(
            "SELECT r.id, r.user_id, r.kind, r.subject, r.due_at, g.timezone, "
            "(SELECT max(o.sent_at) FROM reminders AS o WHERE o.user_id = r.user_id) "
            "FROM reminders AS r JOIN users AS u ON u.id = r.user_id "
            "LEFT JOIN regions AS g ON g.slug = u.region_slug "
            "WHERE r.status = 'pending' AND r.due_at <= ? "
            "AND u.is_blocked = 0 AND u.reminders_off = 0 ORDER BY r.due_at LIMIT ?",
            (now_utc, limit),
        )
        return [DueReminder(*row) for row in rows]

    async def postpone(self, reminder_id: int, due_at: str) -> None:
        await self._conn.execute(
            "UPDATE reminders SET due_at = ? WHERE id = ?", (due_at, reminder_id)
        )

    async def mark_sent(self, reminder_id: int, now_utc: str) -> bool:
        """True when this call took the reminder (it was still pending)."""
        cursor = await self._conn.execute(
            "UPDATE reminders SET status = 'sent', sent_at = ? "
            "WHERE id = ? AND status = 'pending'",
            (now_utc, reminder_id),
        )
        return cursor.rowcount == 1

    async def set_off(self, user_id: int, *, off: bool) -> None:
        await self._conn.execute(
            "UPDATE users SET reminders_off = ? WHERE id = ?", (int(off), user_id)
        )

    async def is_off(self, user_id: int) -> bool:
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT reminders_off FROM users WHERE id = ?", (user_id,)
            )
        )
        return bool(rows and rows[0][0])
