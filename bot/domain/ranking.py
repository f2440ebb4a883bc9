"""Which programs and centers to show first. Pure: plain data in, ranked data out.

A programme is listed only when the person can act on it:

- it passes the person's preferences (study length, format, free only);
- the person may enrol (`bot.domain.enrolment`: audience, age range, statuses, residents of one
  region, an enrolment that has not ended);
- it is within reach: online, or in the person's region, or at most `Person.reach_km` (the
  `REACH_KM` setting, 150 km by default) from their place. Without a place, nothing in person;
- it fits at least `Person.min_fit` (`MIN_FIT`: "fits well" or better; the card of any
  programme still says how well it fits).

Among those, fit comes first and distance is a small term:

    score = fit + NEAR_SHARE · nearness        nearness = 1 − km / reach_km (0..1), online ½

`NEAR_SHARE` is 0.05, so nearness only orders programmes whose fit differs by less than that;
a programme out of reach is never listed at all, however well it fits.

`fit` is the cosine between the person's RIASEC vector (`emphasised`: the leading types weigh
most) and the programme's weights (0..1). For a school student who took the school quiz it is
the person's score on the programme's Klimov type divided by their best score (the leading type
fits 1), and the RIASEC cosine only breaks ties: `KLIMOV_TIE` · cosine is below the smallest
difference of two Klimov fits.

`rank` is the definition of the order; `bot.domain.offer_index` finds the top of a large catalogue
fast and hands the few candidates to `rank`. The nearest centres are found by a box that
widens until it holds enough of them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from bot.domain.catalogue import KLIMOV, RIASEC, Audience, Format, Program
from bot.domain.enrolment import (
    ADULT_BANDS,
    STATUS_BITS,
    AgeBand,
    Status,
    ages_admit,
    status_mask,
    window_open,
)

REACH_KM = 150.0
NEAR_SHARE = 0.05
ONLINE_NEARNESS = 0.5
# Below the smallest gap between two Klimov fits (scores are whole numbers up to 8 or so).
KLIMOV_TIE = 0.01
SEARCH_RADII_KM = (100.0, 300.0, 1000.0, 3000.0)
EXCELLENT_FIT = 0.8
GOOD_FIT = 0.6
# Lists show programmes that fit at least well; a weaker fit is said only on a programme's card.
MIN_FIT = GOOD_FIT
# Without a stated number of weeks, a course of N hours is taken to last N/20 weeks
# (a typical part-time pace of short programs); used for the study-length filter only.
HOURS_PER_WEEK = 20

Vector = tuple[float, float, float, float, float, float]
KlimovVector = tuple[float, float, float, float, float]
KLIMOV_INDEX = {t: i for i, t in enumerate(KLIMOV)}

AUDIENCE_BITS: dict[Audience, int] = {a: 1 << i for i, a in enumerate(Audience)}
SCHOOL_MASK = AUDIENCE_BITS[Audience.school]
GROWN_UP_MASK = (
    AUDIENCE_BITS[Audience.students]
    | AUDIENCE_BITS[Audience.adults]
    | AUDIENCE_BITS[Audience.seniors]
    | AUDIENCE_BITS[Audience.parents]
)


def audience_mask(audience: Iterable[Audience]) -> int:
    return sum(AUDIENCE_BITS[a] for a in set(audience))


def audiences_of(age_band: AgeBand | None, status: Status | None, role: str | None = None) -> int:
    """Audience bits of the person. School students (by status, or by the role «I'm at school»
    while the status is not known) are `school`; `students` are students of a college or
    university; `adults` are 18 and over (or, with no age known, anyone out of school);
    `seniors` are 50+; `parents` are on parental leave. Teachers' courses have no way in: the
    bot never asks for a profession, so it never recommends courses only for teachers."""
    if status is None and role == "student":
        status = Status.school
    found: set[Audience] = set()
    if status is Status.school:
        found.add(Audience.school)
    if status is Status.student:
        found.add(Audience.students)
    if age_band in ADULT_BANDS or (age_band is None and status not in (None, Status.school)):
        found.add(Audience.adults)
    if age_band is AgeBand.senior:
        found.add(Audience.seniors)
    if status is Status.parental_leave:
        found.add(Audience.parents)
    return audience_mask(found)


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


def emphasised(direction: Sequence[float]) -> Vector:
    """A person's interest direction with the leading types weighing most, as a Holland code
    does: each component squared, then back to unit length. Without it, a strong R with a
    little I and C fits IT courses almost as well as workshop ones."""
    return unit([max(0.0, x) ** 2 for x in direction])


def klimov_from_scores(scores: Mapping[str, float]) -> KlimovVector | None:
    """School-quiz scores divided by the best one: the leading type is 1. None when no type
    scored at all."""
    values = [max(0.0, float(scores.get(t, 0.0))) for t in KLIMOV]
    top = max(values)
    if top <= 0:
        return None
    a, b, c, d, e = (v / top for v in values)
    return (a, b, c, d, e)


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
    """Who is asking, where and when. Unknown facts stay None; see `may_enrol` and `in_reach`
    for what they mean."""

    vector: Vector  # unit length, or all zeros when nothing is known of the interests
    lat: float | None = None
    lon: float | None = None
    audience: int = GROWN_UP_MASK  # bits of the audiences the person belongs to
    klimov: KlimovVector | None = None  # school-quiz scores over the best one
    region_slug: str | None = None  # the region of the place; in reach, and for residents-only
    age_band: AgeBand | None = None
    status: Status | None = None
    today: date | None = None  # enrolment that ended before this day is not shown
    reach_km: float = REACH_KM
    min_fit: float = 0.0


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
    region_slug: str | None = None
    klimov: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    statuses: int = 0  # bits of `bot.domain.enrolment.Status`; 0 = any
    residents_only: str | None = None
    enroll_until: date | None = None

    @property
    def is_online(self) -> bool:
        return self.center_id is None or self.format is Format.online


def offer_of(program: Program, lat: float | None, lon: float | None) -> Offer:
    """A programme as ranking sees it, at its centre's position (None: online)."""
    return Offer(
        program_id=program.id,
        center_id=program.center_id,
        format=program.format,
        is_free=program.is_free,
        study_weeks=study_weeks(program.duration_weeks, program.duration_hours),
        audience=audience_mask(program.audience),
        unit_weights=unit(program.weights),
        lat=lat,
        lon=lon,
        region_slug=program.region_slug,
        klimov=program.klimov,
        min_age=program.min_age,
        max_age=program.max_age,
        statuses=status_mask(program.statuses),
        residents_only=program.residents_only,
        enroll_until=program.enroll_until,
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


def suits(prefs: Preferences, offer: Offer) -> bool:
    """The person's own choices."""
    if prefs.free_only and offer.is_free is not True:
        return False
    if prefs.format is FormatChoice.online and not offer.is_online:
        return False
    if prefs.format is FormatChoice.in_person and offer.is_online:
        return False
    max_weeks = prefs.max_weeks
    return max_weeks is None or offer.study_weeks is None or offer.study_weeks <= max_weeks


def may_enrol(person: Person, offer: Offer) -> bool:
    """Whether the person may enrol, as far as the bot knows: anything unknown about the person
    never admits them to a programme with a rule about it."""
    if offer.audience and not offer.audience & person.audience:
        return False
    if not ages_admit(person.age_band, offer.min_age, offer.max_age):
        return False
    if offer.statuses and (
        person.status is None or not offer.statuses & STATUS_BITS[person.status]
    ):
        return False
    if offer.residents_only is not None and offer.residents_only != person.region_slug:
        return False
    return window_open(offer.enroll_until, person.today)


def known_to_exclude(person: Person, offer: Offer) -> bool:
    """What the person has said (or today's date) rules the programme out. For a programme's
    card, which may warn only about what the bot knows; a list needs `may_enrol`."""
    return (
        bool(offer.audience and person.audience and not offer.audience & person.audience)
        or (
            person.age_band is not None
            and not ages_admit(person.age_band, offer.min_age, offer.max_age)
        )
        or bool(
            offer.statuses
            and person.status is not None
            and not offer.statuses & STATUS_BITS[person.status]
        )
        or (
            offer.residents_only is not None
            and person.region_slug is not None
            and offer.residents_only != person.region_slug
        )
        or not window_open(offer.enroll_until, person.today)
    )


def in_reach(person: Person, offer: Offer, distance: float | None) -> bool:
    """Online anywhere; in person only in the person's region or within `reach_km`."""
    if offer.is_online:
        return True
    if distance is None:  # no place known: in-person programmes wait for it
        return False
    same_region = offer.region_slug is not None and offer.region_slug == person.region_slug
    return same_region or distance <= person.reach_km


def riasec_fit(person: Person, offer: Offer) -> float:
    dot = sum(p * w for p, w in zip(person.vector, offer.unit_weights, strict=True))
    return max(0.0, min(1.0, dot))


def fit(person: Person, offer: Offer) -> float:
    """How well the programme fits: by the school quiz when the person took it and the
    programme has a Klimov type, else by RIASEC."""
    if person.klimov is not None and offer.klimov in KLIMOV_INDEX:
        return person.klimov[KLIMOV_INDEX[offer.klimov]]
    return riasec_fit(person, offer)


def _tie_break(person: Person, offer: Offer) -> float:
    if person.klimov is not None and offer.klimov in KLIMOV_INDEX:
        return KLIMOV_TIE * riasec_fit(person, offer)
    return 0.0


def nearness(distance_km: float | None, reach_km: float) -> float:
    if distance_km is None:
        return ONLINE_NEARNESS
    return max(0.0, 1.0 - distance_km / reach_km)


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    from bot.domain.geo import distance_km  # noqa: PLC0415  (geo builds a large index on import)

    return distance_km(lat1, lon1, lat2, lon2)


def _offer_distance(person: Person, offer: Offer) -> float | None:
    if offer.is_online or person.lat is None or person.lon is None:
        return None
    assert offer.lat is not None and offer.lon is not None
    return _distance_km(person.lat, person.lon, offer.lat, offer.lon)


def score_of(person: Person, offer: Offer, offer_fit: float, distance: float | None) -> float:
    return offer_fit + _tie_break(person, offer) + NEAR_SHARE * nearness(distance, person.reach_km)


def rank(
    person: Person, prefs: Preferences, offers: Iterable[Offer], *, limit: int | None = None
) -> list[Ranked]:
    """Offers that pass the filters and fit at least `person.min_fit`, best first. Ties keep a
    stable order: nearer first, then by program id."""
    ranked = []
    for offer in offers:
        if not suits(prefs, offer) or not may_enrol(person, offer):
            continue
        distance = _offer_distance(person, offer)
        if not in_reach(person, offer, distance):
            continue
        offer_fit = fit(person, offer)
        if offer_fit < person.min_fit:
            continue
        ranked.append(
            Ranked(offer, offer_fit, distance, score_of(person, offer, offer_fit, distance))
        )
    ranked.sort(
        key=lambda r: (
            -round(r.score, 9),
            r.distance_km if r.distance_km is not None else 0.0,
            r.offer.program_id,
        )
    )
    return ranked if limit is None else ranked[:limit]


def rate_one(person: Person, program: Program, center: tuple[float, float] | None) -> Ranked:
    """How well one programme fits and how far its centre is from the person, for its card:
    nothing is compared or filtered, so there is no score."""
    offer = offer_of(program, *(center or (None, None)))
    distance = None
    if person.lat is not None and person.lon is not None and center and not offer.is_online:
        distance = _distance_km(person.lat, person.lon, *center)
    return Ranked(offer, fit(person, offer), distance, 0.0)


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
