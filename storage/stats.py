"""Figures for the admins' /stats: people, the funnel, types, regions, sources, applications.

Everything is counted in SQL; the caller's unit of work keeps the figures of one call
consistent with each other. What needs consent to be kept (last visit, region, source,
preferences, test results) counts only for people who give it now: withdrawing consent
promises that nothing but the id and language is used any more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import aiosqlite

from storage.sql import Dialect, local_day

ACTIVE_DAYS = 30
DAYS_SHOWN = 30  # new people per day, for the chart; the text shows the last WEEK_DAYS
WEEK_DAYS = 7
TOP = 10  # regions and sources listed; the rest are summed up, so the text stays short

# Days are Moscow days, as the admins of a federal network read them (UTC+3, no DST since 2014).
MOSCOW = timezone(timedelta(hours=3), "MSK")
_MOSCOW_SHIFT = "+3 hours"
_ISO = "%Y-%m-%dT%H:%M:%SZ"  # how every timestamp is stored


@dataclass(frozen=True, slots=True)
class Funnel:
    started: int
    consented: int
    finished_quiz: int
    looked_at_programs: int
    applied: int


@dataclass(frozen=True, slots=True)
class Ranked:
    """The largest groups first, then how many people are in all the others."""

    top: list[tuple[str, int]]
    others: int
    other_groups: int


@dataclass(frozen=True, slots=True)
class LeadCounts:
    total: int
    last_week: int
    delivered: int

    @property
    def undelivered(self) -> int:
        return self.total - self.delivered


@dataclass(frozen=True, slots=True)
class Stats:
    today: date  # in Moscow
    total: int
    active: int
    blocked: int
    new_per_day: list[tuple[date, int]]  # DAYS_SHOWN days, the oldest first, today last
    funnel: Funnel
    # Latest result of each person: the leading type -> people; None = no clear type.
    riasec: dict[str | None, int]
    klimov: dict[str | None, int]
    regions: Ranked  # keys are region slugs
    region_names: dict[str, tuple[str, str]]  # slug -> (Russian, English)
    sources: Ranked
    leads: LeadCounts

    @property
    def new_last_week(self) -> int:
        return sum(count for _day, count in self.new_per_day[-WEEK_DAYS:])

    @property
    def new_last_month(self) -> int:
        return sum(count for _day, count in self.new_per_day)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_ISO)


async def _one(conn: aiosqlite.Connection, sql: str, params: tuple[object, ...] = ()) -> int:
    rows = list(await conn.execute_fetchall(sql, params))
    return int(rows[0][0] or 0)


_HAS_CONSENT = "consent_given_at IS NOT NULL"
_CONSENTED = f"SELECT id FROM users WHERE {_HAS_CONSENT}"


class StatsRepo:
    def __init__(self, conn: aiosqlite.Connection, dialect: Dialect = Dialect.sqlite) -> None:
        self._conn = conn
        self._dialect = dialect

    async def collect(self, now: datetime) -> Stats:
        today = now.astimezone(MOSCOW).date()
        return Stats(
            today=today,
            total=await _one(self._conn, "SELECT count(*) FROM users"),
            active=await _one(
                self._conn,
                f"SELECT count(*) FROM users WHERE last_seen_at >= ? AND {_HAS_CONSENT}",
                (_iso(now - timedelta(days=ACTIVE_DAYS)),),
            ),
            blocked=await _one(self._conn, "SELECT count(*) FROM users WHERE is_blocked = 1"),
            new_per_day=await self._new_per_day(today),
            funnel=await self._funnel(),
            riasec=await self._types("riasec"),
            klimov=await self._types("klimov"),
            regions=await self._ranked("region_slug"),
            region_names=await self._region_names(),
            sources=await self._ranked("source"),
            leads=LeadCounts(
                total=await _one(self._conn, "SELECT count(*) FROM leads"),
                last_week=await _one(
                    self._conn,
                    "SELECT count(*) FROM leads WHERE created_at >= ?",
                    (_iso(now - timedelta(days=WEEK_DAYS)),),
                ),
                delivered=await _one(self._conn, "SELECT count(*) FROM leads WHERE delivered = 1"),
            ),
        )

    async def _new_per_day(self, today: date) -> list[tuple[date, int]]:
        first = today - timedelta(days=DAYS_SHOWN - 1)
        rows = await self._conn.execute_fetchall(
            "SELECT day, count(*) FROM (SELECT "
            + local_day(self._dialect, "created_at", "Europe/Moscow", _MOSCOW_SHIFT)
            + " AS day FROM users) AS d WHERE day BETWEEN ? AND ? GROUP BY day",
            (first.isoformat(), today.isoformat()),
        )
        counts = {date.fromisoformat(day): int(count) for day, count in rows}
        days = [first + timedelta(days=n) for n in range(DAYS_SHOWN)]
        return [(day, counts.get(day, 0)) for day in days]

    async def _funnel(self) -> Funnel:
        return Funnel(
            # Every person who ever wrote to the bot has a row: the row is the start.
            started=await _one(self._conn, "SELECT count(*) FROM users"),
            consented=await _one(self._conn, f"SELECT count(*) FROM users WHERE {_HAS_CONSENT}"),
            finished_quiz=await _one(
                self._conn,
                "SELECT count(DISTINCT user_id) FROM quiz_results "
                f"WHERE user_id IN ({_CONSENTED})",
            ),
            # Nothing records a look at the programme list yet; the preferences are chosen
            # on the way into it, so a person with saved preferences has seen it.
            looked_at_programs=await _one(
                self._conn,
                f"SELECT count(*) FROM users WHERE preferences IS NOT NULL AND {_HAS_CONSENT}",
            ),
            applied=await _one(self._conn, "SELECT count(DISTINCT user_id) FROM leads"),
        )

    async def _types(self, instrument: str) -> dict[str | None, int]:
        # RIASEC codes read 'S-A-E' and school ones 'tech+art': the first type leads.
        rows = await self._conn.execute_fetchall(
            "WITH latest AS ("
            "  SELECT max(id) AS id FROM quiz_results "
            f"  WHERE user_id IN ({_CONSENTED}) GROUP BY user_id"
            ") "
            "SELECT r.code, count(*) FROM quiz_results AS r JOIN latest ON latest.id = r.id "
            "WHERE r.instrument = ? GROUP BY r.code",
            (instrument,),
        )
        counts: dict[str | None, int] = {}
        for code, count in rows:
            leading = re.split(r"[-+]", code, maxsplit=1)[0] if code else None
            counts[leading] = counts.get(leading, 0) + int(count)
        # The unknown last, then the most common first, then by name.
        ranked = sorted(counts.items(), key=lambda kv: (kv[0] is None, -kv[1], kv[0] or ""))
        return dict(ranked)

    async def _ranked(self, column: str) -> Ranked:
        rows = [
            (str(value), int(count))
            for value, count in await self._conn.execute_fetchall(
                f"SELECT {column}, count(*) FROM users "
                f"WHERE {column} IS NOT NULL AND {_HAS_CONSENT} "
                f"GROUP BY {column} ORDER BY count(*) DESC, {column}"
            )
        ]
        rest = rows[TOP:]
        return Ranked(top=rows[:TOP], others=sum(n for _v, n in rest), other_groups=len(rest))

    async def _region_names(self) -> dict[str, tuple[str, str]]:
        rows = await self._conn.execute_fetchall(
            "SELECT slug, name_ru, name_en FROM regions "
            "WHERE slug IN (SELECT region_slug FROM users WHERE region_slug IS NOT NULL)"
        )
        return {slug: (ru, en) for slug, ru, en in rows}
