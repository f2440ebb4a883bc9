"""The catalogue as plain data: regions, centers and programs, and the reference files the
bot ships (`bot/data/`). Pure: no aiogram, no storage.

Regions and centers are facts with sources (see `bot/data/SOURCES.md`). Programs come from
two packaged files — real program titles named on public pages and a clearly flagged sample
set — and from whatever center staff import later.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from importlib import resources
from typing import Literal

from bot.domain.enrolment import Status

RIASEC = ("R", "I", "A", "S", "E", "C")
KLIMOV = ("nature", "tech", "people", "signs", "art")

CoordsPrecision = Literal["city", "region"]
CenterStatus = Literal["open", "planned"]


class Format(StrEnum):
    in_person = "in_person"
    online = "online"
    blended = "blended"


class Audience(StrEnum):
    school = "school"  # школьники
    students = "students"  # студенты и молодёжь до 35
    adults = "adults"  # взрослые
    seniors = "seniors"  # 50+ и предпенсионеры
    parents = "parents"  # родители в декрете
    teachers = "teachers"  # педагоги: курсы повышения квалификации для них одних


@dataclass(frozen=True, slots=True)
class Region:
    slug: str
    name_ru: str
    name_en: str
    federal_district: str
    capital_ru: str
    capital_en: str
    lat: float
    lon: float
    timezone: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Center:
    id: str
    region_slug: str
    city: str | None
    name: str
    host_organization: str | None
    address: str | None
    website: str | None
    industry: str | None
    opened_year: int | None
    lat: float
    lon: float
    # `region`: the pin is the regional capital, a placeholder never shown as the location.
    coords_precision: CoordsPrecision
    status: CenterStatus
    source_url: str
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class Program:
    """One program. Unknown facts stay None rather than guessed."""

    id: str  # stable external id: imports update by it
    title: str
    center_id: str | None  # None: online, open to any region
    region_slug: str | None
    description: str | None = None
    duration_hours: int | None = None
    duration_weeks: int | None = None
    format: Format | None = None
    is_free: bool | None = None
    price_rub: int | None = None
    audience: frozenset[Audience] = frozenset()  # empty: open to everyone
    # Interest profile of the program, R I A S E C, each 0..1 (our classification by content).
    weights: tuple[float, float, float, float, float, float] = (0.0,) * 6
    klimov: str | None = None
    next_start: date | None = None
    enroll_url: str | None = None
    source_url: str | None = None
    is_sample: bool = False
    # Who may enrol, beyond the audience: an age range (whole years, inclusive), statuses
    # (empty: any), residents of one region only.
    min_age: int | None = None
    max_age: int | None = None
    statuses: frozenset[Status] = frozenset()
    residents_only: str | None = None  # a region slug
    # The enrolment window; None: not known. A programme whose enrolment has ended stays in
    # the catalogue (applications and history refer to it) but is never recommended.
    enroll_from: date | None = None
    enroll_until: date | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False)


def _optional(value: str) -> str | None:
    value = value.strip()
    return value or None


def _rows(name: str) -> list[dict[str, str]]:
    text = (resources.files("bot") / "data" / name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def load_regions() -> list[Region]:
    return [
        Region(
            slug=row["slug"],
            name_ru=row["name_ru"],
            name_en=row["name_en"],
            federal_district=row["federal_district"],
            capital_ru=row["capital_ru"],
            capital_en=row["capital_en"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            timezone=row["timezone"],
            aliases=tuple(a.strip() for a in row["aliases_ru"].split("|") if a.strip()),
        )
        for row in _rows("regions.csv")
    ]


def load_centers() -> list[Center]:
    centers = []
    for row in _rows("centers.csv"):
        precision = row["coords_precision"]
        status = row["status"]
        if precision not in ("city", "region") or status not in ("open", "planned"):
            raise ValueError(f"centers.csv: bad precision or status in {row['id']}")
        centers.append(
            Center(
                id=row["id"],
                region_slug=row["region_slug"],
                city=_optional(row["city"]),
                name=row["name"],
                host_organization=_optional(row["host_organization"]),
                address=_optional(row["address"]),
                website=_optional(row["website"]),
                industry=_optional(row["industry"]),
                opened_year=int(row["opened_year"]) if row["opened_year"].strip() else None,
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                coords_precision=precision,  # type: ignore[arg-type]
                status=status,  # type: ignore[arg-type]
                source_url=row["source_url"],
                notes=_optional(row["notes"]),
            )
        )
    return centers


def packaged_program_files() -> Iterable[str]:
    """Program files loaded on first start, in the catalogue import format."""
    return ("programs_real.csv", "programs_sample.csv")


def packaged_text(name: str) -> str:
    return (resources.files("bot") / "data" / name).read_text("utf-8")
