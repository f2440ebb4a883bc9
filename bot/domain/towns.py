"""Settlements of Russia (GeoNames, CC BY 4.0; built by `bot/data/build_towns.py`) and where a
point on the globe is: the nearest settlement, and whether the point is in Russia at all.

Pure: no aiogram, no storage. The table is read once (about 6,000 rows) when the place index is
built; nothing here loads at import time.
"""

from __future__ import annotations

import csv
import math
import sys
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import accumulate
from typing import Any, overload

# A shared location is outside Russia when the nearest settlement is abroad, or when no
# settlement of Russia lies within this distance (the sea, another continent). Settlements of
# Russia from 1,000 people, abroad from 5,000: a village near a border leans to Russia. The
# farthest a point of Russia's land lies from a settlement of 1,000 people is about 450 km
# (the Arctic coast of Taymyr).
OUTSIDE_BEYOND_KM = 500.0

_EARTH_KM = 6371.0088


_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip


def transliterate(name: str) -> str:
    """A Russian name in Latin letters as English texts write it («Ульяновск» → «Ulyanovsk»,
    «Набережные Челны» → «Naberezhnye Chelny»): for names the tables have only in Russian."""
    latin = "".join(_TO_LATIN.get(c, c) for c in name.lower())
    return "-".join(
        " ".join(w[:1].upper() + w[1:] for w in part.split(" ")) for part in latin.split("-")
    )


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


class Towns(Sequence[Town]):
    """The settlements in columns: a few flat buffers instead of 6,000 objects with their
    strings and numbers (a fifth of the memory, and none of it small objects left between the
    ones a build frees). A `Town` is made when one is asked for (a microsecond).

    The buffers are made before the rows are read: what lives as long as the process is then
    not scattered among the rows' objects, which would keep their memory from the system
    (CPython's allocator returns an arena of 1 MB only once nothing in it is alive)."""

    __slots__ = (
        "_common",
        "_ends_en",
        "_ends_ru",
        "_ids",
        "_lats",
        "_lons",
        "_names_en",
        "_names_ru",
        "_populations",
        "_region_of",
        "_regions",
    )

    def __init__(self, towns: Iterable[Town] = ()) -> None:
        self._ids = array("q")
        self._lats = array("d")
        self._lons = array("d")
        self._populations = array("q")
        self._region_of = array("H")
        self._common = bytearray()
        self._ends_ru = array("I")
        self._ends_en = array("I")
        regions: dict[str, int] = {}
        names_ru: list[str] = []
        names_en: list[str] = []
        for town in towns:
            self._ids.append(town.id)
            self._lats.append(town.lat)
            self._lons.append(town.lon)
            self._populations.append(town.population)
            self._region_of.append(regions.setdefault(town.region_slug, len(regions)))
            self._common.append(town.common)
            names_ru.append(town.name_ru)
            names_en.append(town.name_en)
        self._regions = tuple(sys.intern(slug) for slug in regions)
        self._names_ru = "".join(names_ru)
        self._ends_ru.extend(accumulate(map(len, names_ru)))
        self._names_en = "".join(names_en)
        self._ends_en.extend(accumulate(map(len, names_en)))

    def share_slugs(self, slugs: Mapping[str, str]) -> None:
        """Use these strings for the regions' slugs (the same text): the ones read from the
        file were made among the rows."""
        self._regions = tuple(slugs.get(slug, slug) for slug in self._regions)

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> Town: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Town]: ...
    def __getitem__(self, index: int | slice) -> Town | Sequence[Town]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return Town(
            self._ids[index],
            self.name_ru(index),
            self.name_en(index),
            self.region_slug(index),
            self._lats[index],
            self._lons[index],
            self._populations[index],
            bool(self._common[index]),
        )

    # The fields indexing, sorting and grouping read, without making the whole town.
    def name_ru(self, index: int) -> str:
        return self._names_ru[self._ends_ru[index - 1] if index else 0 : self._ends_ru[index]]

    def name_en(self, index: int) -> str:
        return self._names_en[self._ends_en[index - 1] if index else 0 : self._ends_en[index]]

    def population(self, index: int) -> int:
        return self._populations[index]

    def region_slug(self, index: int) -> str:
        return self._regions[self._region_of[index]]

    def coordinates(self) -> tuple[array[float], array[float]]:
        """Latitudes and longitudes, in the towns' order."""
        return self._lats, self._lons

    def index_of(self, town_id: int) -> int | None:
        try:
            return self._ids.index(town_id)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class TownTable:
    towns: Towns
    # Per town (same order): the other spellings a person may type — case forms, Latin names —
    # separated by «|» (one string a town: the table is read with little left behind).
    spellings: tuple[str, ...]
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
    spellings: list[str] = []

    def rows() -> Iterable[Town]:
        with (data / "towns.csv").open(encoding="utf-8") as file:
            lines = csv.reader(file)
            header = next(lines)
            for values in lines:
                row = dict(zip(header, values, strict=True))
                spellings.append(f"{row['forms_ru']}|{row['names_en']}".strip("|"))
                yield Town(
                    int(row["id"]),
                    row["name_ru"],
                    row["name_en"],
                    row["region"],
                    float(row["lat"]),
                    float(row["lon"]),
                    int(row["population"]),
                    row["common"] == "1",
                )

    towns = Towns(rows())
    with (data / "abroad.csv").open(encoding="utf-8") as file:
        next(file)
        abroad = tuple(
            (float(lat), float(lon)) for lat, lon in (line.split(",") for line in file if line)
        )
    return TownTable(towns, tuple(spellings), abroad)


@dataclass(frozen=True, slots=True)
class Whereabouts:
    """What a point is near: the nearest settlement of Russia and whether the point is abroad."""

    town: Town | None  # None only when the table is empty
    distance_km: float
    outside_russia: bool


class Globe:
    """Nearest-settlement questions over the table: a vectorised haversine over every point
    (about 11,000; a fraction of a millisecond), arrays built on first use."""

    def __init__(self, towns: Towns, abroad: Sequence[tuple[float, float]] = ()) -> None:
        self._towns = towns
        self._abroad = array("d")  # lat, lon, lat, …
        self._arrays: tuple[Any, Any, Any, Any] | None = None
        self.load(towns, abroad)

    def load(self, towns: Towns, abroad: Sequence[tuple[float, float]]) -> None:
        """Now these points (made once, empty, and loaded later: see `Towns`)."""
        self._towns = towns
        del self._abroad[:]
        self._abroad.extend(x for point in abroad for x in point)
        self._arrays = None

    def _radians(self) -> tuple[Any, Any, Any, Any]:
        if self._arrays is None:
            import numpy as np  # noqa: PLC0415  (only once a location is shared)

            lats, lons = self._towns.coordinates()
            abroad = np.frombuffer(self._abroad, dtype=np.float64)
            lat = np.radians(np.concatenate((np.frombuffer(lats, dtype=np.float64), abroad[0::2])))
            lon = np.radians(np.concatenate((np.frombuffer(lons, dtype=np.float64), abroad[1::2])))
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
