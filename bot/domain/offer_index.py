"""Fast top-N programmes: the whole catalogue as arrays, scored at once.

Every request scores every programme (a matrix product and a vectorised distance per centre),
applies every filter of `bot.domain.ranking.rank` as a mask, keeps the few that can be in the
top N, and lets `rank` — the one definition of the order — rank those exactly. The latency does
not depend on where the person is or how strict the filters are, and nothing can be missed.

Two filters compare floating-point numbers with a bound (the fit with `min_fit`, the distance
with `reach_km`); the vectorised and the scalar formulas may differ in the last bits there. The
mask lets such borderline programmes through and asks for as many more candidates, so `rank`
decides them and the top is still complete.

The index is built from the database and rebuilt when the catalogue's version changes (every
write of programmes or centres bumps it), so several processes stay in step.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
import numpy.typing as npt

from bot.domain.enrolment import OLDEST, STATUS_BITS
from bot.domain.geo import EARTH_RADIUS_KM
from bot.domain.ranking import (
    KLIMOV_INDEX,
    KLIMOV_TIE,
    NEAR_SHARE,
    ONLINE_NEARNESS,
    FormatChoice,
    Offer,
    Person,
    Preferences,
    Ranked,
    rank,
)

# Scores within this of the N-th best are all ranked exactly: float noise between the
# vectorised and the scalar formula must not decide who is in.
_TIE_MARGIN = 1e-7
_FIT_EPS = 1e-9
_KM_EPS = 1e-6
_NONE = -1  # an unknown or absent small integer
_NO_DAY = np.iinfo(np.int32).max

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _codes(values: Sequence[str | None], table: dict[str, int]) -> IntArray:
    return np.array(
        [_NONE if v is None else table.setdefault(v, len(table)) for v in values], dtype=np.int32
    )


def _small(values: Sequence[int | None]) -> IntArray:
    return np.array([_NONE if v is None else v for v in values], dtype=np.int16)


@dataclass(frozen=True, slots=True)
class Listing:
    ranked: list[Ranked]
    nothing_near: bool  # nothing in person fits within reach: `ranked` are online programmes


@dataclass(frozen=True, slots=True)
class _Scored:
    chosen: IntArray  # indices of the offers that pass the filters and the reach
    online: BoolArray  # of those
    passing: BoolArray  # fit at least the person's minimum (loosely)
    borderline: BoolArray  # `rank` may yet refuse: within float noise of a bound
    score: FloatArray


class OfferIndex:
    """The catalogue as columns. Small integer types keep the arrays short in memory, which is
    most of the time spent: every request reads each column once."""

    def __init__(self, offers: Sequence[Offer]) -> None:
        self.offers = list(offers)
        count = len(self.offers)
        self._weights: FloatArray = np.array(
            [o.unit_weights for o in self.offers], dtype=np.float64
        ).reshape(count, 6)
        self._online = np.array([o.is_online for o in self.offers], dtype=bool)
        self._free = np.array([o.is_free is True for o in self.offers], dtype=bool)
        self._weeks = _small([o.study_weeks for o in self.offers])
        self._audience = np.array([o.audience for o in self.offers], dtype=np.int16)
        self._klimov = np.array(
            [KLIMOV_INDEX.get(o.klimov or "", _NONE) for o in self.offers], dtype=np.int8
        )
        self._min_age = _small([o.min_age for o in self.offers])
        self._max_age = _small([o.max_age for o in self.offers])
        self._age_rule = (self._min_age != _NONE) | (self._max_age != _NONE)
        self._statuses = np.array([o.statuses for o in self.offers], dtype=np.int16)
        self._until = np.array(
            [o.enroll_until.toordinal() if o.enroll_until else _NO_DAY for o in self.offers],
            dtype=np.int32,
        )
        self._regions: dict[str, int] = {}
        self._region = _codes([o.region_slug for o in self.offers], self._regions)
        self._residents = _codes([o.residents_only for o in self.offers], self._regions)
        self._any_residents = bool((self._residents != _NONE).any())
        # Distances are computed per centre, then spread to that centre's programmes.
        centers: dict[tuple[float, float], int] = {}
        where = []
        for offer in self.offers:
            if offer.is_online or offer.lat is None or offer.lon is None:
                where.append(0)
            else:
                where.append(centers.setdefault((offer.lat, offer.lon), len(centers)))
        self._center_of = np.array(where, dtype=np.int32)
        points = np.radians(np.array(list(centers) or [(0.0, 0.0)], dtype=np.float64))
        self._center_lat: FloatArray = points[:, 0]
        self._center_lon: FloatArray = points[:, 1]

    def __len__(self) -> int:
        return len(self.offers)

    def _suits(self, prefs: Preferences) -> BoolArray:
        """`bot.domain.ranking.suits`, for all offers at once."""
        mask: BoolArray = np.ones(len(self.offers), dtype=bool)
        if prefs.free_only:
            mask &= self._free
        if prefs.format is FormatChoice.online:
            mask &= self._online
        elif prefs.format is FormatChoice.in_person:
            mask &= ~self._online
        if prefs.max_weeks is not None:
            mask &= self._weeks <= prefs.max_weeks  # unknown (-1) passes
        return mask

    def _may_enrol(self, person: Person, mask: BoolArray) -> None:
        """`bot.domain.ranking.may_enrol`, for all offers at once, into `mask`."""
        mask &= (self._audience == 0) | ((self._audience & person.audience) != 0)
        band = person.age_band
        if band is None:
            mask &= ~self._age_rule
        else:
            top = band.max_age if band.max_age is not None else OLDEST
            mask &= (self._min_age <= band.min_age) & (
                (self._max_age == _NONE) | (self._max_age >= top)
            )
        bit = STATUS_BITS[person.status] if person.status is not None else 0
        mask &= (self._statuses == 0) | ((self._statuses & bit) != 0)
        if self._any_residents:
            home = self._regions.get(person.region_slug or "", -2)
            mask &= (self._residents == _NONE) | (self._residents == home)
        if person.today is not None:
            mask &= self._until >= person.today.toordinal()

    def _center_km(self, person: Person) -> FloatArray:
        """Distance from the person to every centre (not to every offer: far fewer)."""
        assert person.lat is not None and person.lon is not None
        lat, lon = np.radians(person.lat), np.radians(person.lon)
        half = (
            np.sin((self._center_lat - lat) / 2) ** 2
            + np.cos(lat) * np.cos(self._center_lat) * np.sin((self._center_lon - lon) / 2) ** 2
        )
        km: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(half, 0.0, 1.0)))
        return km

    def top(self, person: Person, prefs: Preferences, limit: int) -> list[Ranked]:
        if not self.offers or limit <= 0:
            return []
        scored = self._scored(person, prefs)
        return self._best(scored, np.ones(len(scored.chosen), dtype=bool), person, prefs, limit)

    def listing(self, person: Person, prefs: Preferences, limit: int) -> Listing:
        """What the programmes list shows, in one pass over the catalogue: the top `limit` as
        asked, or — when the person wants in-person programmes (in person or either) and none
        fits within reach — the top online ones, with `nothing_near` set. The same as `rank`
        with in-person preferences, then with the preferences to show."""
        if not self.offers or limit <= 0:
            return Listing([], nothing_near=prefs.format is not FormatChoice.online)
        if prefs.format is FormatChoice.online:
            return Listing(self.top(person, prefs, limit), nothing_near=False)
        scored = self._scored(person, replace(prefs, format=FormatChoice.any))
        in_person = replace(prefs, format=FormatChoice.in_person)
        if not self._best(scored, ~scored.online, person, in_person, 1):
            online = replace(prefs, format=FormatChoice.online)
            return Listing(self._best(scored, scored.online, person, online, limit), True)
        subset = ~scored.online if prefs.format is FormatChoice.in_person else scored.passing
        return Listing(self._best(scored, subset, person, prefs, limit), nothing_near=False)

    def _scored(self, person: Person, prefs: Preferences) -> _Scored:
        """Every offer that passes the filters and the reach (with borderline ones), scored."""
        mask = self._suits(prefs)
        self._may_enrol(person, mask)
        # Within reach: online, or in the person's region, or near enough.
        if person.lat is None or person.lon is None:
            mask &= self._online
            chosen = np.flatnonzero(mask)
            borderline = np.zeros(len(chosen), dtype=bool)
            near: FloatArray = np.full(len(chosen), ONLINE_NEARNESS)
        else:
            center_km = self._center_km(person)
            reach = person.reach_km
            home = self._regions.get(person.region_slug or "", -2)
            center_loose = center_km <= reach + _KM_EPS
            mask &= self._online | (self._region == home) | center_loose[self._center_of]
            chosen = np.flatnonzero(mask)
            where = self._center_of[chosen]
            own = self._region[chosen] == home
            online = self._online[chosen]
            borderline = ~online & ~own & (center_km[where] > reach - _KM_EPS)
            near = np.where(online, ONLINE_NEARNESS, np.clip(1.0 - center_km[where] / reach, 0, 1))
        fit, tie = self._fit(person, chosen)
        passing = fit >= person.min_fit - _FIT_EPS
        borderline |= passing & (fit < person.min_fit + _FIT_EPS)
        score = fit + tie + NEAR_SHARE * near
        return _Scored(chosen, self._online[chosen], passing, borderline & passing, score)

    def _best(
        self,
        scored: _Scored,
        subset: BoolArray,
        person: Person,
        prefs: Preferences,
        limit: int,
    ) -> list[Ranked]:
        """The top `limit` of the scored offers in `subset`, ranked exactly by `rank`."""
        within = subset & scored.passing
        passing = int(within.sum())
        if passing == 0:
            return []
        score = np.where(within, scored.score, -np.inf)
        # Borderline offers may yet be refused by `rank`: ask for as many more candidates.
        keep = min(limit + int((scored.borderline & within).sum()), passing)
        cutoff = -np.partition(-score, keep - 1)[keep - 1]
        candidates = scored.chosen[score >= cutoff - _TIE_MARGIN]
        return rank(person, prefs, [self.offers[i] for i in candidates], limit=limit)

    def _fit(self, person: Person, chosen: IntArray) -> tuple[FloatArray, FloatArray]:
        """The fit and the Klimov tie-break of the chosen offers (`bot.domain.ranking.fit`)."""
        vector = np.array(person.vector, dtype=np.float64)
        riasec: FloatArray = np.clip(self._weights[chosen] @ vector, 0.0, 1.0)
        if person.klimov is None:
            return riasec, np.zeros(len(chosen))
        kinds = self._klimov[chosen]
        typed = kinds != _NONE
        scores = np.array(person.klimov, dtype=np.float64)[np.where(typed, kinds, 0)]
        fit: FloatArray = np.where(typed, scores, riasec)
        tie: FloatArray = np.where(typed, KLIMOV_TIE * riasec, 0.0)
        return fit, tie


class OfferCatalogue(Protocol):
    """The database side (the catalogue repository)."""

    async def programs_version(self) -> str: ...

    async def all_offers(self) -> list[Offer]: ...


class Recommender:
    """Holds the index of this process and rebuilds it when the catalogue has changed."""

    def __init__(self) -> None:
        self._index = OfferIndex([])
        self._version: str | None = None
        self._lock = asyncio.Lock()

    async def refresh(self, catalogue: OfferCatalogue) -> OfferIndex:
        version = await catalogue.programs_version()
        if version != self._version:
            async with self._lock:
                if version != self._version:
                    self._index = OfferIndex(await catalogue.all_offers())
                    self._version = version
        return self._index

    async def top(
        self, catalogue: OfferCatalogue, person: Person, prefs: Preferences, limit: int
    ) -> list[Ranked]:
        return (await self.refresh(catalogue)).top(person, prefs, limit)

    async def listing(
        self, catalogue: OfferCatalogue, person: Person, prefs: Preferences, limit: int
    ) -> Listing:
        return (await self.refresh(catalogue)).listing(person, prefs, limit)
