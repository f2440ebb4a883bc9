"""Which programs and centers to show first. Pure: plain data in, ranked data out.

A program's score mixes how well it fits the person's interests with how close it is:

    score = FIT_SHARE · fit + (1 − FIT_SHARE) · proximity

`fit` is the cosine between the person's RIASEC vector and the program's weights (0..1, both
are non-negative). `proximity` is 1 next door, ½ at `HALF_PROXIMITY_KM`, falling towards 0
far away; an online program has no distance and gets `ONLINE_PROXIMITY`, as if it were a
short trip away. Preferences (study length, format, free only) and the audience are hard
filters: a paid program is never shown to someone who asked for free ones.

`rank` is the definition of the order; `bot.domain.offer_index` finds the top of a large catalogue
fast and hands the few candidates to `rank`. The nearest centres are found by a box that
widens until it holds enough of them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.domain.catalogue import RIASEC, Audience, Format, Program

FIT_SHARE = 0.75
HALF_PROXIMITY_KM = 50.0
ONLINE_PROXIMITY = 0.5
SEARCH_RADII_KM = (100.0, 300.0, 1000.0, 3000.0)
EXCELLENT_FIT = 0.8
GOOD_FIT = 0.6
# Without a stated number of weeks, a course of N hours is taken to last N/20 weeks
# (a typical part-time pace of short programs); used for the study-length filter only.
HOURS_PER_WEEK = 20

Vector = tuple[float, float, float, float, float, float]

AUDIENCE_BITS: dict[Audience, int] = {a: 1 << i for i, a in enumerate(Audience)}
SCHOOL_MASK = AUDIENCE_BITS[Audience.school]
GROWN_UP_MASK = sum(AUDIENCE_BITS.values()) - SCHOOL_MASK


def audience_mask(audience: Iterable[Audience]) -> int:
    return sum(AUDIENCE_BITS[a] for a in set(audience))


def study_weeks(duration_weeks: int | None, duration_hours: int | None) -> int | None:
    if duration_weeks is not None:
        return duration_weeks
    if duration_hours is not None:
        return max(1, math.ceil(duration_hours / HOURS_PER_WEEK))
    return None


def unit(vector: Sequence[float]) -> Vector:
    norm = math.sqrt(sum(x * x for x in vector))
    if norm == 0:
        return (0.0,) * 6
    a, b, c, d, e, f = (x / norm for x in vector)
    return (a, b, c, d, e, f)


def vector_from_scores(scores: Mapping[str, float]) -> Vector:
    """Interest scores as a direction. The weakest type is taken as the zero: everyone likes
    something of everything, and without the shift every programme would look similar."""
    values = [max(0.0, float(scores.get(t, 0.0))) for t in RIASEC]
    floor = min(values)
    return unit([v - floor for v in values])


def valid_code(code: str) -> str | None:
    """Up to three distinct RIASEC letters of a type code («S-A-E», «sae», a field «R»), or None
    when the text is no such code (a forged button, a long string)."""
    letters = "".join(dict.fromkeys(c for c in code.upper() if c in RIASEC))
    return letters[:3] if letters and len(code) <= 8 else None


def vector_from_code(code: str) -> Vector:
    """A vector from a type code like "SAE": the first letter weighs most."""
    weights = dict.fromkeys(RIASEC, 0.0)
    for letter, weight in zip(code, (1.0, 0.6, 0.35), strict=False):
        if letter in weights:
            weights[letter] = max(weights[letter], weight)
    return vector_from_scores(weights)


class StudyLength(StrEnum):
    month = "1m"  # до 1 месяца
    quarter = "3m"  # 1–3 месяца
    year = "12m"  # 3–12 месяцев
    any = "any"  # дольше — годится любой срок


MAX_WEEKS: dict[StudyLength, int | None] = {
    StudyLength.month: 4,
    StudyLength.quarter: 13,
    StudyLength.year: 52,
    StudyLength.any: None,
}


class FormatChoice(StrEnum):
    in_person = "in_person"
    online = "online"
    any = "any"


@dataclass(frozen=True, slots=True)
class Preferences:
    length: StudyLength = StudyLength.any
    format: FormatChoice = FormatChoice.any
    free_only: bool = False

    @property
    def max_weeks(self) -> int | None:
        return MAX_WEEKS[self.length]


@dataclass(frozen=True, slots=True)
class Person:
    vector: Vector  # unit length, or all zeros when nothing is known of the interests
    lat: float | None = None
    lon: float | None = None
    audience: int = GROWN_UP_MASK  # bits of the audiences the person belongs to


@dataclass(frozen=True, slots=True)
class Offer:
    """What ranking needs of a program; the card shows the full program later."""

    program_id: str
    center_id: str | None
    format: Format | None
    is_free: bool | None
    study_weeks: int | None
    audience: int  # bits; 0 = everyone
    unit_weights: Vector
    lat: float | None = None  # the center's position; None online
    lon: float | None = None

    @property
    def is_online(self) -> bool:
        return self.center_id is None or self.format is Format.online


def role_audience(role: str | None) -> int:
    """Audience bits of a person by role: school students see school programmes, everyone
    else grown-up ones, and someone who has not said sees both."""
    if role == "student":
        return SCHOOL_MASK
    if role is None:
        return SCHOOL_MASK | GROWN_UP_MASK
    return GROWN_UP_MASK


def offer_of(program: Program, lat: float | None, lon: float | None) -> Offer:
    """A programme as ranking sees it, at its centre's position (None: online)."""
    return Offer(
        program_id=program.id,
        center_id=program.center_id,
        format=program.format,
        is_free=program.is_free,
        study_weeks=program.duration_weeks,
        audience=0,
        unit_weights=unit(program.weights),
        lat=lat,
        lon=lon,
    )


@dataclass(frozen=True, slots=True)
class Ranked:
    offer: Offer
    fit: float
    distance_km: float | None
    score: float


class FitLabel(StrEnum):
    excellent = "excellent"
    good = "good"
    maybe = "maybe"


def fit_label(fit: float) -> FitLabel:
    if fit >= EXCELLENT_FIT:
        return FitLabel.excellent
    if fit >= GOOD_FIT:
        return FitLabel.good
    return FitLabel.maybe


def passes(prefs: Preferences, offer: Offer, audience: int) -> bool:
    """The hard filters; storage applies the same ones in SQL to read fewer rows."""
    if prefs.free_only and offer.is_free is not True:
        return False
    if prefs.format is FormatChoice.online and not offer.is_online:
        return False
    if prefs.format is FormatChoice.in_person and offer.is_online:
        return False
    max_weeks = prefs.max_weeks
    if max_weeks is not None and offer.study_weeks is not None and offer.study_weeks > max_weeks:
        return False
    return offer.audience == 0 or bool(offer.audience & audience)


def fit(person: Person, offer: Offer) -> float:
    dot = sum(p * w for p, w in zip(person.vector, offer.unit_weights, strict=True))
    return max(0.0, min(1.0, dot))


def proximity(distance_km: float | None) -> float:
    if distance_km is None:
        return ONLINE_PROXIMITY
    return 1.0 / (1.0 + distance_km / HALF_PROXIMITY_KM)


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    from bot.domain.geo import distance_km  # noqa: PLC0415  (geo builds a large index on import)

    return distance_km(lat1, lon1, lat2, lon2)


def rank(
    person: Person, prefs: Preferences, offers: Iterable[Offer], *, limit: int | None = None
) -> list[Ranked]:
    """Offers that pass the filters, best first. Ties keep a stable order: nearer first,
    then by program id."""
    ranked = []
    for offer in offers:
        if not passes(prefs, offer, person.audience):
            continue
        distance = None
        if not offer.is_online and person.lat is not None and person.lon is not None:
            assert offer.lat is not None and offer.lon is not None
            distance = _distance_km(person.lat, person.lon, offer.lat, offer.lon)
        offer_fit = fit(person, offer)
        score = FIT_SHARE * offer_fit + (1 - FIT_SHARE) * proximity(distance)
        ranked.append(Ranked(offer, offer_fit, distance, score))
    ranked.sort(
        key=lambda r: (
            -round(r.score, 9),
            r.distance_km if r.distance_km is not None else 0.0,
            r.offer.program_id,
        )
    )
    return ranked if limit is None else ranked[:limit]


def rate_one(
    vector: Sequence[float],
    program: Program,
    center: tuple[float, float] | None,
    origin: tuple[float, float] | None,
) -> Ranked:
    """How well one programme fits and how far its centre is from `origin`, for its card:
    nothing is compared, so there is no score."""
    offer = offer_of(program, *(center or (None, None)))
    distance = None
    if origin is not None and center is not None and not offer.is_online:
        distance = _distance_km(*origin, *center)
    return Ranked(offer, fit(Person(vector=unit(vector)), offer), distance, 0.0)


@dataclass(frozen=True, slots=True)
class Located:
    """A center (or any place) with its position, for nearest-first lists."""

    id: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Nearby:
    id: str
    distance_km: float


class PlaceSource(Protocol):
    async def centers_near(self, lat: float, lon: float, radius_km: float) -> list[Located]: ...

    async def all_centers(self) -> list[Located]: ...


def by_distance(lat: float, lon: float, places: Iterable[Located]) -> list[Nearby]:
    found = [Nearby(p.id, _distance_km(lat, lon, p.lat, p.lon)) for p in places]
    found.sort(key=lambda n: (n.distance_km, n.id))
    return found


async def nearest(source: PlaceSource, lat: float, lon: float, limit: int) -> list[Nearby]:
    """The `limit` nearest centers, reading only a growing box around the point."""
    for radius in SEARCH_RADII_KM:
        inside = [
            n
            for n in by_distance(lat, lon, await source.centers_near(lat, lon, radius))
            if n.distance_km <= radius
        ]
        if len(inside) >= limit:
            return inside[:limit]
    return by_distance(lat, lon, await source.all_centers())[:limit]
