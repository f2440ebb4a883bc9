"""Applications to programs."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

_LEAD_COLUMNS = (
    "id, user_id, program_id, center_id, program_title, name, phone, quiz_code, delivered, "
    "created_at"
)


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
    delivered: bool
    created_at: str


def _lead(row: aiosqlite.Row) -> LeadRow:
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
    ) -> LeadRow | None:
        """The new lead, or None when the person has already applied for this program."""
        cursor = await self._conn.execute(
            "INSERT INTO leads (user_id, program_id, center_id, program_title, name, phone, "
            "quiz_code) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, program_id) DO NOTHING",
            (user_id, program_id, center_id, program_title, name, phone, quiz_code),
        )
        if cursor.rowcount == 0:
            return None
        rows = list(
            await self._conn.execute_fetchall(
                f"SELECT {_LEAD_COLUMNS} FROM leads WHERE id = ?", (cursor.lastrowid,)
            )
        )
        return _lead(rows[0])

    async def find(self, user_id: int, program_id: str) -> LeadRow | None:
        rows = list(
            await self._conn.execute_fetchall(
                f"SELECT {_LEAD_COLUMNS} FROM leads WHERE user_id = ? AND program_id = ?",
                (user_id, program_id),
            )
        )
        return _lead(rows[0]) if rows else None

    async def mark_delivered(self, lead_id: int) -> None:
        await self._conn.execute("UPDATE leads SET delivered = 1 WHERE id = ?", (lead_id,))

    async def of_user(self, user_id: int) -> list[LeadRow]:
        rows = await self._conn.execute_fetchall(
            f"SELECT {_LEAD_COLUMNS} FROM leads WHERE user_id = ? ORDER BY id DESC", (user_id,)
        )
        return [_lead(row) for row in rows]
