"""Applications to programs: one row per person and programme; applying again renews it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite


def _columns(table: str = "") -> str:
    """The columns of `LeadRow`, in order; `table` is an alias to qualify them with."""
    t = f"{table}." if table else ""
    names = [
        "id", "user_id", "program_id", "center_id", "program_title", "name", "phone",
        "quiz_code", "delivered", "created_at", "username", "status",
        f"coalesce({t}applied_at, {t}created_at)", "times", "delivered_at", "withdrawn_at",
        "stage", "stage_reason", "stage_at", "contacted_at",
    ]  # fmt: skip
    return ", ".join(name if "(" in name else t + name for name in names)


_LEAD_COLUMNS = _columns()
_NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"


@dataclass(frozen=True, slots=True)
class LeadRow:
    id: int
    user_id: int
    program_id: str
    center_id: str | None
    program_title: str
    name: str | None
    phone: str
    quiz_code: str | None
    delivered: bool  # a staff chat accepted the latest notice of this application
    created_at: str  # the first application
    username: str | None
    status: str  # 'active' or 'withdrawn'
    applied_at: str  # the latest application
    times: int  # how many times the person applied
    delivered_at: str | None  # when a staff chat last accepted it; None: never
    withdrawn_at: str | None
    stage: str = "new"  # 'new', 'contacted', 'enrolled' or 'declined' (set by the staff)
    stage_reason: str | None = None  # why declined: a preset reason's code
    stage_at: str | None = None  # the last change of the stage
    contacted_at: str | None = None  # the first change away from 'new'

    @property
    def withdrawn(self) -> bool:
        return self.status == "withdrawn"

    @property
    def ever_passed_on(self) -> bool:
        return self.delivered_at is not None


@dataclass(frozen=True, slots=True)
class UndeliveredLead:
    """An application no staff chat has accepted yet, with its delivery job's state."""

    lead: LeadRow
    job_id: int | None
    attempts: int
    last_error: str | None


def _lead(row: Sequence[Any]) -> LeadRow:
    values = list(row)
    values[8] = bool(values[8])
    return LeadRow(*values)


class LeadsRepo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add(
        self,
        *,
        user_id: int,
        program_id: str,
        center_id: str | None,
        program_title: str,
        name: str | None,
        phone: str,
        quiz_code: str | None,
        username: str | None = None,
    ) -> LeadRow | None:
        """A new application, or None when the person has applied for this programme before
        (`apply` renews it instead)."""
        cursor = await self._conn.execute(
            "INSERT INTO leads (user_id, program_id, center_id, program_title, name, username, "
            f"phone, quiz_code, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, {_NOW}) "
            "ON CONFLICT (user_id, program_id) DO NOTHING RETURNING id",
            (user_id, program_id, center_id, program_title, name, username, phone, quiz_code),
        )
        row = await cursor.fetchone()
        if row is None:
            return None
        return await self.get(int(row[0]))

    async def apply(
        self,
        *,
        user_id: int,
        program_id: str,
        center_id: str | None,
        program_title: str,
        name: str | None,
        username: str | None,
        phone: str,
        quiz_code: str | None,
    ) -> tuple[LeadRow, bool]:
        """The application, new or renewed (then it is active and undelivered again, with the
        latest contacts), and whether it was renewed."""
        existing = await self.find(user_id, program_id)
        await self._conn.execute(
            "INSERT INTO leads (user_id, program_id, center_id, program_title, name, username, "
            f"phone, quiz_code, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, {_NOW}) "
            "ON CONFLICT (user_id, program_id) DO UPDATE SET center_id = excluded.center_id, "
            "program_title = excluded.program_title, name = excluded.name, "
            "username = excluded.username, phone = excluded.phone, "
            "quiz_code = excluded.quiz_code, applied_at = excluded.applied_at, "
            "status = 'active', withdrawn_at = NULL, delivered = 0, times = leads.times + 1, "
            "stage = 'new', stage_reason = NULL, stage_at = NULL, contacted_at = NULL, "
            "flagged_at = NULL",
            (user_id, program_id, center_id, program_title, name, username, phone, quiz_code),
        )
        lead = await self.find(user_id, program_id)
        assert lead is not None
        return lead, existing is not None

    async def get(self, lead_id: int) -> LeadRow | None:
        rows = list(
            await self._conn.execute_fetchall(
                f"SELECT {_LEAD_COLUMNS} FROM leads WHERE id = ?", (lead_id,)
            )
        )
        return _lead(rows[0]) if rows else None

    async def find(self, user_id: int, program_id: str) -> LeadRow | None:
        rows = list(
            await self._conn.execute_fetchall(
                f"SELECT {_LEAD_COLUMNS} FROM leads WHERE user_id = ? AND program_id = ?",
                (user_id, program_id),
            )
        )
        return _lead(rows[0]) if rows else None

    async def mark_delivered(self, lead_id: int) -> None:
        await self._conn.execute(
            f"UPDATE leads SET delivered = 1, delivered_at = {_NOW} WHERE id = ?", (lead_id,)
        )

    async def withdraw(self, lead_id: int) -> None:
        await self._conn.execute(
            f"UPDATE leads SET status = 'withdrawn', withdrawn_at = {_NOW} WHERE id = ?",
            (lead_id,),
        )

    async def of_user(self, user_id: int) -> list[LeadRow]:
        rows = await self._conn.execute_fetchall(
            f"SELECT {_LEAD_COLUMNS} FROM leads WHERE user_id = ? "
            "ORDER BY coalesce(applied_at, created_at) DESC, id DESC",
            (user_id,),
        )
        return [_lead(row) for row in rows]

    async def passed_on_count(self, user_id: int) -> int:
        """Applications of the person that a staff chat has accepted at least once."""
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT count(*) FROM leads WHERE user_id = ? AND delivered_at IS NOT NULL",
                (user_id,),
            )
        )
        return int(rows[0][0])

    async def undelivered(
        self, limit: int, center_id: str | None = None
    ) -> tuple[list[UndeliveredLead], int]:
        """Active applications no staff chat has accepted since they were last made, oldest
        first, with their pending job; and how many there are in all. `center_id`: only that
        centre's."""
        only = "AND l.center_id = ? " if center_id is not None else ""
        args: tuple[object, ...] = (center_id,) if center_id is not None else ()
        rows = await self._conn.execute_fetchall(
            f"SELECT {_columns('l')}, j.id, coalesce(j.attempts, 0), j.last_error FROM leads AS l "
            "LEFT JOIN lead_outbox AS j ON j.lead_id = l.id AND j.kind = 'lead' "
            "AND j.status = 'pending' WHERE l.status = 'active' AND l.delivered = 0 "
            f"{only}ORDER BY l.id LIMIT ?",
            (*args, limit),
        )
        found = []
        for row in rows:
            values = list(row)
            found.append(UndeliveredLead(_lead(values[:-3]), *values[-3:]))
        total = list(
            await self._conn.execute_fetchall(
                "SELECT count(*) FROM leads AS l WHERE l.status = 'active' AND l.delivered = 0 "
                + only,
                args,
            )
        )
        return found, int(total[0][0])

    async def set_stage(
        self, lead_id: int, stage: str, *, reason: str | None, by: int, expected: str
    ) -> bool:
        """Move the application to `stage` if it is still at `expected` (two staff members
        tapping at once: one wins); the first move away from 'new' is the first contact."""
        cursor = await self._conn.execute(
            f"UPDATE leads SET stage = ?, stage_reason = ?, stage_at = {_NOW}, stage_by = ?, "
            f"contacted_at = coalesce(contacted_at, CASE WHEN ? != 'new' THEN {_NOW} END) "
            "WHERE id = ? AND stage = ?",
            (stage, reason, by, stage, lead_id, expected),
        )
        return cursor.rowcount == 1

    async def waiting_untouched(self, before: str) -> list[LeadRow]:
        """Active applications passed on to a centre before `before` (ISO time) that nobody
        has touched since and that were not flagged yet."""
        rows = await self._conn.execute_fetchall(
            f"SELECT {_LEAD_COLUMNS} FROM leads WHERE status = 'active' AND stage = 'new' "
            "AND delivered_at IS NOT NULL AND delivered_at < ? AND flagged_at IS NULL "
            "ORDER BY id LIMIT 200",
            (before,),
        )
        return [_lead(row) for row in rows]

    async def recent_of_center(self, center_id: str, limit: int) -> list[LeadRow]:
        """The centre's latest active applications, newest first."""
        rows = await self._conn.execute_fetchall(
            f"SELECT {_LEAD_COLUMNS} FROM leads WHERE center_id = ? AND status = 'active' "
            "ORDER BY coalesce(applied_at, created_at) DESC, id DESC LIMIT ?",
            (center_id, limit),
        )
        return [_lead(row) for row in rows]

    async def mark_flagged(self, lead_id: int) -> None:
        await self._conn.execute(f"UPDATE leads SET flagged_at = {_NOW} WHERE id = ?", (lead_id,))
