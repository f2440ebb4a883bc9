"""The audit log of admin actions."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    admin_id: int
    action: str
    details: str
    created_at: str


class AuditRepo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def record(self, admin_id: int, action: str, details: str = "") -> None:
        await self._conn.execute(
            "INSERT INTO audit_log (admin_id, action, details) VALUES (?, ?, ?)",
            (admin_id, action, details),
        )

    async def recent(self, limit: int = 50) -> list[AuditRow]:
        rows = await self._conn.execute_fetchall(
            "SELECT id, admin_id, action, details, created_at FROM audit_log "
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [AuditRow(*row) for row in rows]
