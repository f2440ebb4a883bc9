"""The tables of the admins' data export: people, test results and applications.

People who have not given consent (or withdrew it) are exported with their id, language and
first contact only: that is all the bot may keep about them, so the query never reads more.
Test results are likewise exported only for people who still give consent. Applications
carry the contacts each person agreed to pass on when applying.
"""

from __future__ import annotations

import json
from typing import Any

import aiosqlite

from bot.domain.spreadsheets import Table, Value

SCORE_TYPES = ("R", "I", "A", "S", "E", "C", "nature", "tech", "people", "signs", "art")


_PEOPLE = (
    "id",
    "locale",
    "created_at",
    "consent_given_at",
    "first_name",
    "last_name",
    "username",
    "role",
    "region_slug",
    "region",
    "source",
    "last_seen_at",
    "is_blocked",
)
_CONSENTED_ONLY = _PEOPLE[4:]


class ExportsRepo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def tables(self) -> list[Table]:
        return [await self.people(), await self.results(), await self.applications()]

    async def people(self) -> Table:
        column = {"region": "r.name_ru"}
        guarded = ", ".join(
            f"CASE WHEN u.consent_given_at IS NOT NULL THEN {column.get(name, 'u.' + name)} END"
            for name in _CONSENTED_ONLY
        )
        rows = await self._conn.execute_fetchall(
            f"SELECT u.id, u.locale, u.created_at, u.consent_given_at, {guarded} "
            "FROM users AS u LEFT JOIN regions AS r ON r.slug = u.region_slug ORDER BY u.id"
        )
        return Table("people", _PEOPLE, [tuple(row) for row in rows])

    async def results(self) -> Table:
        rows = await self._conn.execute_fetchall(
            "SELECT r.id, r.user_id, r.instrument, r.code, r.scores, r.started_at, "
            "r.finished_at FROM quiz_results AS r JOIN users AS u ON u.id = r.user_id "
            "WHERE u.consent_given_at IS NOT NULL ORDER BY r.id"
        )
        out: list[tuple[Value, ...]] = []
        for rid, user_id, instrument, code, scores, started, finished in rows:
            by_type: dict[str, Any] = json.loads(scores)
            values = tuple(by_type.get(t) for t in SCORE_TYPES)
            out.append((rid, user_id, instrument, code, *values, started, finished))
        headers = ("id", "user_id", "instrument", "code", *SCORE_TYPES)
        return Table("results", (*headers, "started_at", "finished_at"), out)

    async def applications(self) -> Table:
        headers = (
            "id",
            "created_at",
            "user_id",
            "program_id",
            "program_title",
            "center_id",
            "name",
            "phone",
            "quiz_code",
            "delivered",
            "username",
            "status",
            "times",
            "applied_at",
            "delivered_at",
            "withdrawn_at",
            "stage",
            "stage_reason",
            "contacted_at",
        )
        rows = await self._conn.execute_fetchall(
            f"SELECT {', '.join(headers)} FROM leads ORDER BY id"
        )
        return Table("applications", headers, [tuple(row) for row in rows])
