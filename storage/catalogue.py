"""Regions, centers and programs in SQLite, and the queries recommendations run."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import astuple
from datetime import date
from typing import Any

import aiosqlite

from bot.domain.catalogue import RIASEC, Audience, Center, Format, Program, Region
from bot.domain.enrolment import Status, status_mask
from bot.domain.geo import bounding_boxes
from bot.domain.ranking import (
    Located,
    Offer,
    audience_mask,
    study_weeks,
    unit,
)

_REGION_COLUMNS = (
    "slug, name_ru, name_en, federal_district, capital_ru, capital_en, lat, lon, timezone, aliases"
)
_REGION_FIELDS = [name.strip() for name in _REGION_COLUMNS.split(",")]
_CENTER_COLUMNS = (
    "id, region_slug, city, name, host_organization, address, website, industry, opened_year, "
    "lat, lon, coords_precision, status, source_url, notes"
)
_PROGRAM_COLUMNS = (
    "id, title, center_id, region_slug, description, duration_hours, duration_weeks, format, "
    "is_free, price_rub, audience, w_r, w_i, w_a, w_s, w_e, w_c, klimov, next_start, "
    "enroll_url, source_url, is_sample, min_age, max_age, statuses, residents_only, "
    "enroll_from, enroll_until"
)
_PROGRAM_FIELDS = [name.strip() for name in _PROGRAM_COLUMNS.split(",")]
_PROGRAM_WRITE_COLUMNS = (
    f"{_PROGRAM_COLUMNS}, study_weeks, audience_mask, status_mask, u_r, u_i, u_a, u_s, u_e, u_c"
)
_OFFER_COLUMNS = (
    "p.id, p.center_id, p.format, p.is_free, p.study_weeks, p.audience_mask, "
    "p.u_r, p.u_i, p.u_a, p.u_s, p.u_e, p.u_c, c.lat, c.lon, p.region_slug, p.klimov, "
    "p.min_age, p.max_age, p.status_mask, p.residents_only, p.enroll_until"
)
PROGRAMS_VERSION = "programs_version"


def _region(row: Sequence[Any]) -> Region:
    values = dict(zip(_REGION_FIELDS, row, strict=True))
    values["aliases"] = tuple(a for a in values["aliases"].split("|") if a)
    return Region(**values)


def _center(row: Sequence[Any]) -> Center:
    return Center(*row)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _program(row: Sequence[Any]) -> Program:
    fields = dict(zip(_PROGRAM_FIELDS, row, strict=True))
    fmt, is_free, audience = fields["format"], fields["is_free"], fields["audience"]
    return Program(
        id=fields["id"],
        title=fields["title"],
        center_id=fields["center_id"],
        region_slug=fields["region_slug"],
        description=fields["description"],
        duration_hours=fields["duration_hours"],
        duration_weeks=fields["duration_weeks"],
        format=Format(fmt) if fmt else None,
        is_free=None if is_free is None else bool(is_free),
        price_rub=fields["price_rub"],
        audience=frozenset(Audience(x) for x in audience.split("|") if x),
        weights=tuple(fields[f"w_{t.lower()}"] for t in RIASEC),
        klimov=fields["klimov"],
        next_start=_day(fields["next_start"]),
        enroll_url=fields["enroll_url"],
        source_url=fields["source_url"],
        is_sample=bool(fields["is_sample"]),
        min_age=fields["min_age"],
        max_age=fields["max_age"],
        statuses=frozenset(Status(x) for x in fields["statuses"].split("|") if x),
        residents_only=fields["residents_only"],
        enroll_from=_day(fields["enroll_from"]),
        enroll_until=_day(fields["enroll_until"]),
    )


def _program_values(p: Program) -> tuple[Any, ...]:
    return (
        p.id,
        p.title,
        p.center_id,
        p.region_slug,
        p.description,
        p.duration_hours,
        p.duration_weeks,
        p.format.value if p.format else None,
        None if p.is_free is None else int(p.is_free),
        p.price_rub,
        "|".join(sorted(a.value for a in p.audience)),
        *p.weights,
        p.klimov,
        p.next_start.isoformat() if p.next_start else None,
        p.enroll_url,
        p.source_url,
        int(p.is_sample),
        p.min_age,
        p.max_age,
        "|".join(sorted(s.value for s in p.statuses)),
        p.residents_only,
        p.enroll_from.isoformat() if p.enroll_from else None,
        p.enroll_until.isoformat() if p.enroll_until else None,
        study_weeks(p.duration_weeks, p.duration_hours),
        audience_mask(p.audience),
        status_mask(p.statuses),
        *unit(p.weights),
    )


def _offer(row: Sequence[Any]) -> Offer:
    pid, center_id, fmt, is_free, weeks, mask, r, i, a, s, e, c, lat, lon = row[:14]
    region, klimov, min_age, max_age, statuses, residents, until = row[14:]
    return Offer(
        program_id=pid,
        center_id=center_id,
        format=Format(fmt) if fmt else None,
        is_free=None if is_free is None else bool(is_free),
        study_weeks=weeks,
        audience=mask,
        unit_weights=(r, i, a, s, e, c),
        lat=lat,
        lon=lon,
        region_slug=region,
        klimov=klimov,
        min_age=min_age,
        max_age=max_age,
        statuses=statuses,
        residents_only=residents,
        enroll_until=_day(until),
    )


class CatalogueRepo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    # --- reference data and meta -----------------------------------------------------------

    async def meta(self, key: str) -> str | None:
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT value FROM catalogue_meta WHERE key = ?", (key,)
            )
        )
        return str(rows[0][0]) if rows else None

    async def set_meta(self, key: str, value: str) -> None:
        await self._conn.execute(
            "INSERT INTO catalogue_meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    async def upsert_regions(self, regions: Iterable[Region]) -> None:
        await self._conn.executemany(
            f"INSERT INTO regions ({_REGION_COLUMNS}) VALUES ({', '.join('?' * 10)}) "
            "ON CONFLICT (slug) DO UPDATE SET name_ru = excluded.name_ru, "
            "name_en = excluded.name_en, federal_district = excluded.federal_district, "
            "capital_ru = excluded.capital_ru, capital_en = excluded.capital_en, "
            "lat = excluded.lat, lon = excluded.lon, timezone = excluded.timezone, "
            "aliases = excluded.aliases",
            [(*astuple(r)[:-1], "|".join(r.aliases)) for r in regions],
        )

    async def upsert_centers(self, centers: Iterable[Center]) -> None:
        names = [c.strip() for c in _CENTER_COLUMNS.split(",")]
        updates = ", ".join(f"{n} = excluded.{n}" for n in names[1:])
        await self._conn.executemany(
            f"INSERT INTO centers ({_CENTER_COLUMNS}) VALUES ({', '.join('?' * len(names))}) "
            f"ON CONFLICT (id) DO UPDATE SET {updates}",
            [astuple(c) for c in centers],  # fields in the order of _CENTER_COLUMNS
        )
        await self._bump()

    async def regions(self) -> list[Region]:
        rows = await self._conn.execute_fetchall(
            f"SELECT {_REGION_COLUMNS} FROM regions ORDER BY name_ru"
        )
        return [_region(row) for row in rows]

    async def center_regions(self) -> dict[str, str]:
        rows = await self._conn.execute_fetchall("SELECT id, region_slug FROM centers")
        return {str(cid): str(slug) for cid, slug in rows}

    async def center(self, center_id: str) -> Center | None:
        rows = list(
            await self._conn.execute_fetchall(
                f"SELECT {_CENTER_COLUMNS} FROM centers WHERE id = ?", (center_id,)
            )
        )
        return _center(rows[0]) if rows else None

    async def centers(self, ids: Sequence[str]) -> dict[str, Center]:
        if not ids:
            return {}
        rows = await self._conn.execute_fetchall(
            f"SELECT {_CENTER_COLUMNS} FROM centers WHERE id IN ({', '.join('?' * len(ids))})",
            tuple(ids),
        )
        return {row[0]: _center(row) for row in rows}

    # --- nearest centers ---------------------------------------------------------------------

    async def centers_near(self, lat: float, lon: float, radius_km: float) -> list[Located]:
        found: list[Located] = []
        for box in bounding_boxes(lat, lon, radius_km):
            rows = await self._conn.execute_fetchall(
                "SELECT id, lat, lon FROM centers "
                "WHERE lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?",
                (box.min_lat, box.max_lat, box.min_lon, box.max_lon),
            )
            found.extend(Located(cid, clat, clon) for cid, clat, clon in rows)
        return found

    async def all_centers(self) -> list[Located]:
        rows = await self._conn.execute_fetchall("SELECT id, lat, lon FROM centers")
        return [Located(cid, lat, lon) for cid, lat, lon in rows]

    # --- programs ----------------------------------------------------------------------------

    async def upsert_programs(self, programs: Iterable[Program]) -> None:
        names = [c.strip() for c in _PROGRAM_WRITE_COLUMNS.split(",")]
        updates = ", ".join(f"{n} = excluded.{n}" for n in names[1:])
        await self._conn.executemany(
            f"INSERT INTO programs ({_PROGRAM_WRITE_COLUMNS}) "
            f"VALUES ({', '.join('?' * len(names))}) "
            f"ON CONFLICT (id) DO UPDATE SET {updates}, "
            "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
            [_program_values(p) for p in programs],
        )
        await self._bump()

    async def delete_all_programs(self) -> None:
        await self._conn.execute("DELETE FROM programs")
        await self._bump()

    async def program_ids(self) -> set[str]:
        rows = await self._conn.execute_fetchall("SELECT id FROM programs")
        return {str(row[0]) for row in rows}

    async def program(self, program_id: str) -> Program | None:
        rows = list(
            await self._conn.execute_fetchall(
                f"SELECT {_PROGRAM_COLUMNS} FROM programs WHERE id = ?", (program_id,)
            )
        )
        return _program(rows[0]) if rows else None

    async def programs(self, ids: Sequence[str]) -> dict[str, Program]:
        if not ids:
            return {}
        rows = await self._conn.execute_fetchall(
            f"SELECT {_PROGRAM_COLUMNS} FROM programs WHERE id IN ({', '.join('?' * len(ids))})",
            tuple(ids),
        )
        return {row[0]: _program(row) for row in rows}

    async def all_programs(self) -> list[Program]:
        rows = await self._conn.execute_fetchall(
            f"SELECT {_PROGRAM_COLUMNS} FROM programs ORDER BY id"
        )
        return [_program(row) for row in rows]

    async def programs_of_center(
        self, center_id: str, limit: int, today: date | None = None
    ) -> list[Program]:
        """The centre's programmes whose enrolment has not ended by `today`."""
        rows = await self._conn.execute_fetchall(
            f"SELECT {_PROGRAM_COLUMNS} FROM programs WHERE center_id = ? "
            "AND (enroll_until IS NULL OR enroll_until >= ?) "
            "ORDER BY is_sample, title LIMIT ?",
            (center_id, today.isoformat() if today else "", limit),
        )
        return [_program(row) for row in rows]

    async def program_titles(
        self,
    ) -> list[tuple[str, str, str | None, bool, float | None, float | None]]:
        """(id, title, region, online, the centre's latitude and longitude) of every
        programme: what occupations are linked by, and where."""
        rows = await self._conn.execute_fetchall(
            "SELECT p.id, p.title, p.region_slug, "
            "p.center_id IS NULL OR p.format = 'online', c.lat, c.lon "
            "FROM programs AS p LEFT JOIN centers AS c ON c.id = p.center_id ORDER BY p.id"
        )
        return [(str(r[0]), str(r[1]), r[2], bool(r[3]), r[4], r[5]) for r in rows]

    async def count_programs(self) -> tuple[int, int]:
        """(all programs, of them samples)."""
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT count(*), coalesce(sum(is_sample), 0) FROM programs"
            )
        )
        return int(rows[0][0]), int(rows[0][1])

    # --- offers for ranking ------------------------------------------------------------------

    async def all_offers(self) -> list[Offer]:
        rows = await self._conn.execute_fetchall(
            f"SELECT {_OFFER_COLUMNS} FROM programs AS p LEFT JOIN centers AS c "
            "ON c.id = p.center_id ORDER BY p.id"
        )
        return [_offer(row) for row in rows]

    async def programs_version(self) -> str:
        """Changes with every write of programmes or centres (see `_bump`)."""
        return await self.meta(PROGRAMS_VERSION) or "0"

    async def _bump(self) -> None:
        await self._conn.execute(
            "INSERT INTO catalogue_meta (key, value) VALUES (?, '1') "
            "ON CONFLICT (key) DO UPDATE SET value = "
            "CAST(CAST(catalogue_meta.value AS INTEGER) + 1 AS TEXT)",
            (PROGRAMS_VERSION,),
        )
