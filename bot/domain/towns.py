"""Settlements of Russia (GeoNames, CC BY 4.0; built by `bot/data/build_towns.py`) and where a
point on the globe is: the nearest settlement, and whether the point is in Russia at all.

Pure: no aiogram, no storage. The table is read once (about 6,000 rows) when the place index is
built; nothing here loads at import time.
"""

from __future__ import annotations

import csv
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

# A shared location is outside Russia when the nearest settlement is abroad, or when no
# settlement of Russia lies within this distance (the sea, another continent). Settlements of
# Russia from 1,000 people, abroad from 5,000: a village near a border leans to Russia. The
# farthest a point of Russia's land lies from a settlement of 1,000 people is about 450 km
# (the Arctic coast of Taymyr).
OUTSIDE_BEYOND_KM = 500.0

_EARTH_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Town:
    id: int  # GeoNames geonameid
    name_ru: str
    name_en: str
    region_slug: str
    lat: float
    lon: float
    population: int
    # The name is also an ordinary word («Мирный», «Орёл»): free text needs a capital letter.
    common: bool = False

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_ru


@dataclass(frozen=True, slots=True)
class TownTable:
    towns: tuple[Town, ...]
    # Per town (same order): the other spellings a person may type — case forms, Latin names.
    spellings: tuple[tuple[str, ...], ...]
    abroad: tuple[tuple[float, float], ...]  # settlements of other countries near Russia


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_KM * math.asin(math.sqrt(min(1.0, max(0.0, a))))


def load_towns() -> TownTable:
    """The packaged table. Read it once and give it to the place index, which keeps the towns
    and drops the spellings once it has indexed them."""
    data = resources.files("bot") / "data"
    towns: list[Town] = []
    spellings: list[tuple[str, ...]] = []
    with (data / "towns.csv").open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            towns.append(
                Town(
                    int(row["id"]),
                    row["name_ru"],
                    row["name_en"],
                    sys.intern(row["region"]),
                    float(row["lat"]),
                    float(row["lon"]),
                    int(row["population"]),
                    row["common"] == "1",
                )
            )
            extra = [s for s in (*row["forms_ru"].split("|"), *row["names_en"].split("|")) if s]
            spellings.append(tuple(extra))
    with (data / "abroad.csv").open(encoding="utf-8") as file:
        next(file)
        abroad = tuple(
            (float(lat), float(lon)) for lat, lon in (line.split(",") for line in file if line)
        )
    return TownTable(tuple(towns), tuple(spellings), abroad)


@dataclass(frozen=True, slots=True)
class Whereabouts:
    """What a point is near: the nearest settlement of Russia and whether the point is abroad."""

    town: Town | None  # None only when the table is empty
    distance_km: float
    outside_russia: bool


class Globe:
    """Nearest-settlement questions over the table: a vectorised haversine over every point
    (about 11,000; a fraction of a millisecond), arrays built on first use."""

    def __init__(self, towns: Sequence[Town], abroad: Sequence[tuple[float, float]]) -> None:
        self._towns = list(towns)
        self._abroad = list(abroad)
        self._arrays: tuple[Any, Any, Any, Any] | None = None

    def _radians(self) -> tuple[Any, Any, Any, Any]:
        if self._arrays is None:
            import numpy as np  # noqa: PLC0415  (only once a location is shared)

            points = [(t.lat, t.lon) for t in self._towns] + self._abroad
            lat = np.radians(np.array([p[0] for p in points], dtype=np.float64))
            lon = np.radians(np.array([p[1] for p in points], dtype=np.float64))
            self._arrays = (lat, lon, np.cos(lat), np)
        return self._arrays

    def whereabouts(self, lat: float, lon: float) -> Whereabouts:
        if not self._towns:
            return Whereabouts(None, math.inf, outside_russia=False)
        lats, lons, cos_lats, np = self._radians()
        phi, lmb = math.radians(lat), math.radians(lon)
        a = (
            np.sin((lats - phi) / 2) ** 2
            + math.cos(phi) * cos_lats * np.sin((lons - lmb) / 2) ** 2
        )
        km = 2 * _EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
        home = len(self._towns)
        home_index = int(np.argmin(km[:home]))
        home_km = float(km[home_index])
        abroad_km = float(km[home:].min()) if len(km) > home else math.inf
        outside = abroad_km < home_km or home_km > OUTSIDE_BEYOND_KM
        return Whereabouts(self._towns[home_index], home_km, outside_russia=outside)
