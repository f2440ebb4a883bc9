"""Fast top-N programmes: the whole catalogue as arrays, scored at once.

Every request scores every programme (a matrix product and a vectorised distance per centre),
keeps the few that can be in the top N, and lets `bot.domain.ranking.rank` — the one definition of
the order — rank those exactly. The latency does not depend on where the person is or how
strict the filters are, and nothing far away can be missed.

The index is built from the database and rebuilt when the catalogue's version changes (every
write of programmes or centres bumps it), so several processes stay in step.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from bot.domain.geo import EARTH_RADIUS_KM
from bot.domain.ranking import (
    FIT_SHARE,
    HALF_PROXIMITY_KM,
    ONLINE_PROXIMITY,
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

FloatArray = npt.NDArray[np.float64]


class OfferIndex:
    def __init__(self, offers: Sequence[Offer]) -> None:
        self.offers = list(offers)
        count = len(self.offers)
        self._weights: FloatArray = np.array(
            [o.unit_weights for o in self.offers], dtype=np.float64
        ).reshape(count, 6)
        self._online = np.array([o.is_online for o in self.offers], dtype=bool)
        self._free = np.array([o.is_free is True for o in self.offers], dtype=bool)
        self._weeks = np.array(
            [o.study_weeks if o.study_weeks is not None else -1 for o in self.offers],
            dtype=np.int64,
        )
        self._audience = np.array([o.audience for o in self.offers], dtype=np.int64)
        # Distances are computed per centre, then spread to that centre's programmes.
        centers: dict[tuple[float, float], int] = {}
        where = []
        for offer in self.offers:
            if offer.is_online or offer.lat is None or offer.lon is None:
                where.append(0)
            else:
                where.append(centers.setdefault((offer.lat, offer.lon), len(centers)))
        self._center_of = np.array(where, dtype=np.int64)
        points = np.radians(np.array(list(centers) or [(0.0, 0.0)], dtype=np.float64))
        self._center_lat: FloatArray = points[:, 0]
        self._center_lon: FloatArray = points[:, 1]

    def __len__(self) -> int:
        return len(self.offers)

    def _passes(self, prefs: Preferences, audience: int) -> npt.NDArray[np.bool_]:
        """`bot.domain.ranking.passes`, for all offers at once."""
        mask: npt.NDArray[np.bool_] = (self._audience == 0) | ((self._audience & audience) != 0)
        if prefs.free_only:
            mask &= self._free
        if prefs.format is FormatChoice.online:
            mask &= self._online
        elif prefs.format is FormatChoice.in_person:
            mask &= ~self._online
        if prefs.max_weeks is not None:
            mask &= self._weeks <= prefs.max_weeks  # unknown (-1) passes
        return mask

    def _proximity(self, person: Person) -> FloatArray:
        if person.lat is None or person.lon is None:
            return np.full(len(self.offers), ONLINE_PROXIMITY)
        lat, lon = np.radians(person.lat), np.radians(person.lon)
        half = (
            np.sin((self._center_lat - lat) / 2) ** 2
            + np.cos(lat) * np.cos(self._center_lat) * np.sin((self._center_lon - lon) / 2) ** 2
        )
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(half, 0.0, 1.0)))
        near = 1.0 / (1.0 + km / HALF_PROXIMITY_KM)
        proximity: FloatArray = np.where(self._online, ONLINE_PROXIMITY, near[self._center_of])
        return proximity

    def top(self, person: Person, prefs: Preferences, limit: int) -> list[Ranked]:
        if not self.offers or limit <= 0:
            return []
        mask = self._passes(prefs, person.audience)
        passing = int(mask.sum())
        if passing == 0:
            return []
        fit = np.clip(self._weights @ np.array(person.vector, dtype=np.float64), 0.0, 1.0)
        score = FIT_SHARE * fit + (1 - FIT_SHARE) * self._proximity(person)
        score[~mask] = -np.inf
        keep = min(limit, passing)
        cutoff = -np.partition(-score, keep - 1)[keep - 1]
        candidates = np.flatnonzero(score >= cutoff - _TIE_MARGIN)
        return rank(person, prefs, [self.offers[i] for i in candidates], limit=limit)


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
