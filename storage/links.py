"""Named deep links for schools, fairs and posters, and how many people came by each."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True, slots=True)
class LinkRow:
    code: str
    name: str
    created_by: int
    created_at: str


@dataclass(frozen=True, slots=True)
class LinkStats:
    code: str
    name: str
    people: int  # who came by it and agreed to data storage
    finished: int  # of them, who finished a test
    applied: int  # applications they sent


class LinksRepo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def create(self, code: str, name: str, created_by: int) -> LinkRow:
        await self._conn.execute(
            "INSERT INTO links (code, name, created_by) VALUES (?, ?, ?)",
            (code, name, created_by),
        )
        row = await self.get(code)
        assert row is not None
        return row

    async def get(self, code: str) -> LinkRow | None:
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT code, name, created_by, created_at FROM links WHERE code = ?", (code,)
            )
        )
        return LinkRow(*rows[0]) if rows else None

    async def all(self) -> list[LinkRow]:
        rows = await self._conn.execute_fetchall(
            "SELECT code, name, created_by, created_at FROM links ORDER BY created_at DESC, code"
        )
        return [LinkRow(*row) for row in rows]

    async def stats(self, limit: int = 30) -> list[LinkStats]:
        """Created links with how many people came by each (who agreed to data storage: the
        source is kept only with consent), finished a test and applied; newest first."""
        rows = await self._conn.execute_fetchall(
            "SELECT l.code, l.name, "
            "  (SELECT count(*) FROM users AS u WHERE u.source = l.code "
            "     AND u.consent_given_at IS NOT NULL), "
            "  (SELECT count(*) FROM users AS u WHERE u.source = l.code "
            "     AND u.consent_given_at IS NOT NULL "
            "     AND EXISTS (SELECT 1 FROM quiz_results AS q WHERE q.user_id = u.id)), "
            "  (SELECT count(*) FROM leads AS d JOIN users AS u ON u.id = d.user_id "
            "     WHERE u.source = l.code) "
            "FROM links AS l ORDER BY l.created_at DESC, l.code LIMIT ?",
            (limit,),
        )
        return [LinkStats(str(c), str(n), int(p), int(f), int(a)) for c, n, p, f, a in rows]
