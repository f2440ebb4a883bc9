"""Leases: a named right to do some work, held by one process at a time until it expires.

Taking and renewing are one statement each, so two processes can never both succeed: the
UPSERT writes only when the lease is free, past its time, or already this holder's.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True, slots=True)
class Lease:
    name: str
    holder: str
    expires_at: float  # Unix time


class LeasesRepo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def acquire(self, name: str, holder: str, *, now: float, seconds: float) -> bool:
        """Take the lease, or renew it when `holder` has it already; False while another
        holder's lease is still valid."""
        rows = await self._conn.execute_fetchall(
            "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
            "expires_at = excluded.expires_at "
            "WHERE leases.expires_at < ? OR leases.holder = excluded.holder "
            "RETURNING holder",
            (name, holder, now + seconds, now),
        )
        return bool(list(rows))

    async def take_from(
        self, name: str, previous: str, holder: str, *, now: float, seconds: float
    ) -> bool:
        """Take the lease from `previous` (known to be gone) unless it changed hands since."""
        rows = await self._conn.execute_fetchall(
            "UPDATE leases SET holder = ?, expires_at = ? WHERE name = ? AND holder = ? "
            "RETURNING holder",
            (holder, now + seconds, name, previous),
        )
        return bool(list(rows))

    async def release(self, name: str, holder: str) -> bool:
        """Give the lease up at once (a clean stop); False when `holder` did not have it."""
        cursor = await self._conn.execute(
            "DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder)
        )
        return cursor.rowcount == 1

    async def get(self, name: str) -> Lease | None:
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT name, holder, expires_at FROM leases WHERE name = ?", (name,)
            )
        )
        if not rows:
            return None
        found, holder, expires_at = rows[0]
        return Lease(str(found), str(holder), float(expires_at))
