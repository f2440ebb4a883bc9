"""Programmes within reach that train for an occupation.

The catalogue is searched by the occupation's keywords (`bot.domain.occupations`), and the
candidates go through the ranking rules of what suits the person's filters, what is within
reach and what the person has said rules out (`bot.domain.ranking`: `suits`, `in_reach`,
`known_to_exclude`, as a programme's card does). A job's list answers "where is this taught
near me", so facts the person has not told yet (age, status) do not hide a programme: its
card says who may enrol, and applying checks it.
"""

from __future__ import annotations

import asyncio
import math
import weakref
from dataclasses import dataclass

from bot.domain.catalogue import Center, Program
from bot.domain.enrolment import AgeBand, Status
from bot.domain.interests import code_interests
from bot.domain.occupations import Occupation, TitleIndex, programme_match
from bot.domain.ranking import (
    REACH_KM,
    FormatChoice,
    Person,
    Preferences,
    Ranked,
    in_reach,
    known_to_exclude,
    rate_one,
    suits,
)
from bot.services.profile import Place
from bot.services.recommendations import LEGACY_CODE_WEIGHTS, person_for
from storage.db import Database

# Programmes read per tap: the in-person ones near the person first, then online ones.
CANDIDATES = 100
SHOWN = 6
KM_PER_DEGREE = 111.0  # of latitude; the shortest a degree gets on the Earth is 110.6 km
BOX_MARGIN = 0.05  # degrees
NEAREST_LOOKED_AT = 20


def reach_box(lat: float, lon: float, reach_km: float) -> tuple[float, float, float, float]:
    """South, north, west, east of a box holding every point within `reach_km`: the database
    narrows by it, `in_reach` decides."""
    dlat = reach_km / KM_PER_DEGREE + BOX_MARGIN
    dlon = reach_km / (KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.05)) + BOX_MARGIN
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


# Per database: the catalogue version the index was built at, and the index. Rebuilt when the
# version changes (every write of programmes bumps it), like the offer index.
_INDEXES: weakref.WeakKeyDictionary[Database, tuple[str, TitleIndex]] = weakref.WeakKeyDictionary()


async def title_index(db: Database) -> TitleIndex:
    """The index of the catalogue as it is now. Two requests that find it stale at once may
    both build it: the same result, and cheaper than making one wait on a lock."""
    async with db.autocommit() as repos:
        version = await repos.catalogue.programs_version()
    cached = _INDEXES.get(db)
    if cached is not None and cached[0] == version:
        return cached[1]
    async with db.autocommit() as repos:
        version = await repos.catalogue.programs_version()
        titles = await repos.catalogue.program_titles()
    index = await asyncio.to_thread(TitleIndex, titles)
    _INDEXES[db] = (version, index)
    return index


@dataclass(frozen=True, slots=True)
class OccupationProgrammes:
    items: list[tuple[Ranked, Program, Center | None]]  # best first, at most `SHOWN`
    # The place is not known: `items` are online programmes, in-person ones wait for it.
    needs_place: bool
    # Programmes for this job beyond reach that the person could join (of those looked at).
    elsewhere: int
    # The nearest of those the person could join but are out of reach (in person, with a
    # known place): what to say instead of "nothing".
    nearest: tuple[Program, Center, float] | None = None


Matched = dict[str, tuple[float, Program]]


async def _matching(
    db: Database, occupation: Occupation, ids: list[str]
) -> tuple[Matched, dict[str, Center]]:
    async with db.autocommit() as repos:
        candidates = (await repos.catalogue.programs(ids)).values()
        matched = {
            p.id: (score, p)
            for p in candidates
            if (score := programme_match(occupation, p.title, p.description, p.klimov, p.weights))
            > 0
        }
        centers = await repos.catalogue.centers(
            sorted({p.center_id for _s, p in matched.values() if p.center_id})
        )
    return matched, centers


def _sorted_out(
    person: Person, prefs: Preferences, matched: Matched, centers: dict[str, Center]
) -> tuple[list[Ranked], tuple[Program, Center, float] | None, int]:
    """The matches within reach (unsorted), the nearest beyond reach, and how many the person
    could join but are beyond reach."""
    ranked: list[Ranked] = []
    nearest: tuple[Program, Center, float] | None = None
    beyond = 0
    for _score, program in matched.values():
        center = centers.get(program.center_id or "")
        if program.center_id and center is None:
            continue  # a programme of a centre that is gone
        rated = rate_one(person, program, (center.lat, center.lon) if center else None)
        if not suits(prefs, rated.offer) or known_to_exclude(person, rated.offer):
            continue
        if in_reach(person, rated.offer, rated.distance_km):
            ranked.append(rated)
            continue
        beyond += 1
        if (
            center is not None
            and rated.distance_km is not None
            and (nearest is None or rated.distance_km < nearest[2])
        ):
            nearest = (program, center, rated.distance_km)
    return ranked, nearest, beyond


async def occupation_programmes(
    db: Database,
    occupation: Occupation,
    place: Place | None,
    role: str | None,
    *,
    age_band: AgeBand | None = None,
    status: Status | None = None,
    prefs: Preferences | None = None,
    reach_km: float = REACH_KM,
) -> OccupationProgrammes:
    prefs = prefs or Preferences()
    interests = code_interests(occupation.riasec, LEGACY_CODE_WEIGHTS)
    assert interests is not None  # the file's validation guarantees RIASEC letters
    person = person_for(
        interests, place, role, age_band=age_band, status=status, reach_km=reach_km
    )
    index = await title_index(db)
    if place is None:
        ids = index.online(occupation, CANDIDATES)
    else:
        box = reach_box(place.lat, place.lon, reach_km)
        ids = index.candidates(occupation, CANDIDATES, region=place.region_slug, box=box)
    matched, centers = await _matching(db, occupation, ids)
    ranked, nearest, elsewhere = _sorted_out(person, prefs, matched, centers)
    if not ranked and place is not None:
        # Nothing within reach: the nearest ones beyond it, to say where.
        far = index.nearest(occupation, place.lat, place.lon, NEAREST_LOOKED_AT)
        far_matched, far_centers = await _matching(db, occupation, far)
        _none, nearest, elsewhere = _sorted_out(person, prefs, far_matched, far_centers)
    # The surest match first, then the nearest, then the best fit to the job's types.
    ranked.sort(
        key=lambda r: (
            -round(matched[r.offer.program_id][0], 9),
            r.distance_km if r.distance_km is not None else 0.0,
            -r.fit,
            r.offer.program_id,
        )
    )
    shown = ranked[:SHOWN]
    needs_place = prefs.format is not FormatChoice.online and (
        person.lat is None or person.lon is None
    )
    items = [
        (
            r,
            matched[r.offer.program_id][1],
            centers.get(r.offer.center_id) if r.offer.center_id else None,
        )
        for r in shown
    ]
    return OccupationProgrammes(items, needs_place, elsewhere=elsewhere, nearest=nearest)
