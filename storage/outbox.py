"""The outbox of applications: notices for the staff that must arrive (an application, or a
note that it was withdrawn), each a row written together with what it is about.

A job is `pending` until a staff chat accepts it (`sent`) or it is no longer wanted
(`cancelled`). A process trying a job claims it first (`claimed_by`, with `due_at` pushed to the
end of the claim), so two processes do not send it at the same time; a claim ends when the
attempt ends, when its time runs out, or when its process is known to be gone.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

_JOB_COLUMNS = (
    "id, lead_id, user_id, kind, status, attempts, due_at, claimed_by, last_error, admins_told"
)
_NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"


@dataclass(frozen=True, slots=True)
class OutboxJob:
    id: int
    lead_id: int
    user_id: int
    kind: str  # 'lead' or 'withdrawal'
    status: str  # 'pending', 'sent' or 'cancelled'
    attempts: int  # failed attempts so far
    due_at: float  # Unix time of the next attempt (or the end of the current claim)
    claimed_by: str | None
    last_error: str | None
    admins_told: bool


def _job(row: aiosqlite.Row) -> OutboxJob:
    values = list(row)
    values[9] = bool(values[9])
    return OutboxJob(*values)


class OutboxRepo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add(
        self, *, lead_id: int, user_id: int, kind: str, due_at: float, claimed_by: str | None
    ) -> int:
        cursor = await self._conn.execute(
            "INSERT INTO lead_outbox (lead_id, user_id, kind, due_at, claimed_by) "
            "VALUES (?, ?, ?, ?, ?) RETURNING id",
            (lead_id, user_id, kind, due_at, claimed_by),
        )
        row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def get(self, job_id: int) -> OutboxJob | None:
        rows = list(
            await self._conn.execute_fetchall(
                f"SELECT {_JOB_COLUMNS} FROM lead_outbox WHERE id = ?", (job_id,)
            )
        )
        return _job(rows[0]) if rows else None

    async def pending_for(self, lead_id: int, kind: str) -> list[OutboxJob]:
        rows = await self._conn.execute_fetchall(
            f"SELECT {_JOB_COLUMNS} FROM lead_outbox "
            "WHERE lead_id = ? AND kind = ? AND status = 'pending' ORDER BY id",
            (lead_id, kind),
        )
        return [_job(row) for row in rows]

    async def candidates(self, now: float, limit: int) -> list[OutboxJob]:
        """Pending jobs that are due, and claimed ones (whose process may be gone)."""
        rows = await self._conn.execute_fetchall(
            f"SELECT {_JOB_COLUMNS} FROM lead_outbox WHERE status = 'pending' "
            "AND (due_at <= ? OR claimed_by IS NOT NULL) ORDER BY due_at, id LIMIT ?",
            (now, limit),
        )
        return [_job(row) for row in rows]

    async def claim(self, job_id: int, *, holder: str, expected: str | None, until: float) -> bool:
        """Take the job for `holder` if its claim is still `expected` (compare and set)."""
        cursor = await self._conn.execute(
            "UPDATE lead_outbox SET claimed_by = ?, due_at = ? "
            "WHERE id = ? AND status = 'pending' AND claimed_by IS ?",
            (holder, until, job_id, expected),
        )
        return cursor.rowcount == 1

    async def sent(self, job_id: int) -> None:
        await self._conn.execute(
            f"UPDATE lead_outbox SET status = 'sent', sent_at = {_NOW}, claimed_by = NULL "
            "WHERE id = ?",
            (job_id,),
        )

    async def failed(self, job_id: int, *, error: str, retry_at: float) -> None:
        await self._conn.execute(
            "UPDATE lead_outbox SET attempts = attempts + 1, last_error = ?, due_at = ?, "
            "claimed_by = NULL WHERE id = ? AND status = 'pending'",
            (error[:500], retry_at, job_id),
        )

    async def release(self, job_id: int, *, due_at: float) -> None:
        """End a claim without an attempt (the job is tried again at `due_at`)."""
        await self._conn.execute(
            "UPDATE lead_outbox SET claimed_by = NULL, due_at = ? WHERE id = ?",
            (due_at, job_id),
        )

    async def cancel(self, job_id: int) -> None:
        await self._conn.execute(
            "UPDATE lead_outbox SET status = 'cancelled', claimed_by = NULL "
            "WHERE id = ? AND status = 'pending'",
            (job_id,),
        )

    async def cancel_pending(self, lead_id: int, kind: str) -> int:
        """Cancel the pending jobs of this kind that nobody is trying now; returns how many
        are being tried (claimed) and so may still arrive."""
        await self._conn.execute(
            "UPDATE lead_outbox SET status = 'cancelled' WHERE lead_id = ? AND kind = ? "
            "AND status = 'pending' AND claimed_by IS NULL",
            (lead_id, kind),
        )
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT count(*) FROM lead_outbox WHERE lead_id = ? AND kind = ? "
                "AND status = 'pending'",
                (lead_id, kind),
            )
        )
        return int(rows[0][0])

    async def make_due(self, job_id: int, now: float) -> None:
        await self._conn.execute(
            "UPDATE lead_outbox SET due_at = ? WHERE id = ? AND status = 'pending' "
            "AND claimed_by IS NULL",
            (now, job_id),
        )

    async def mark_admins_told(self, job_id: int) -> None:
        await self._conn.execute("UPDATE lead_outbox SET admins_told = 1 WHERE id = ?", (job_id,))

    async def pending_count(self) -> int:
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT count(*) FROM lead_outbox WHERE status = 'pending'"
            )
        )
        return int(rows[0][0])
