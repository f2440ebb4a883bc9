"""The catalogue of occupations (`bot/data/occupations.csv`): what a ЦОПП or a college trains
for, with the names people type, the interest types it suits and the ways to get there.

Pure: no aiogram, no storage. Ids are stable (callback data and search refer to them) and
never renamed. The ФГОС СПО codes are real ones (see `bot/data/SOURCES.md`); a row without a
code leaves `spo` empty rather than guess.
"""

from __future__ import annotations

import bisect
import csv
import functools
import io
import math
import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from itertools import accumulate

from bot.domain.catalogue import KLIMOV, RIASEC

ID_PATTERN = re.compile(r"^[a-z0-9_]{1,24}$")
# A ФГОС СПО code and name: «15.01.05 Сварщик (…)».
SPO_PATTERN = re.compile(r"^\d{2}\.0[12]\.\d{2} \S.*$")
LABEL_LENGTH = 24  # a button label that phones do not cut
COLUMNS = (
    "id",
    "name_ru",
    "name_en",
    "label_ru",
    "label_en",
    "synonyms_ru",
    "synonyms_en",
    "riasec",
    "klimov",
    "about_ru",
    "about_en",
    "copp_ru",
    "copp_en",
    "spo",
    "vuz_ru",
    "vuz_en",
    "fields",
    "keywords",
)
REQUIRED = (
    "id",
    "name_ru",
    "name_en",
    "riasec",
    "klimov",
    "about_ru",
    "about_en",
    "copp_ru",
    "copp_en",
)


class OccupationDataError(ValueError):
    """The occupations file breaks a rule; the message names the row and the rule."""


@dataclass(frozen=True, slots=True)
class Occupation:
    id: str
    name_ru: str
    name_en: str
    label_ru: str  # for buttons, at most `LABEL_LENGTH`: the name or a short form of it
    label_en: str
    synonyms_ru: tuple[str, ...]
    synonyms_en: tuple[str, ...]
    riasec: str  # 1–3 letters of R I A S E C, strongest first
    klimov: str  # one of `KLIMOV`
    about_ru: str
    about_en: str
    copp_ru: str  # what a short ЦОПП programme gives, or honestly that there is none
    copp_en: str
    spo: tuple[str, ...]  # «code name» of ФГОС СПО specialties and professions
    vuz_ru: str | None
    vuz_en: str | None
    fields: tuple[str, ...]  # topic tags: construction, it, medicine …
    keywords: tuple[str, ...]  # lower-case stems that link programmes to the occupation

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_ru

    def label(self, locale: str) -> str:
        """For a button: «Ветеринарный врач», «Воспитатель»."""
        return self.label_en if locale == "en" else self.label_ru

    def about(self, locale: str) -> str:
        return self.about_en if locale == "en" else self.about_ru

    def copp(self, locale: str) -> str:
        return self.copp_en if locale == "en" else self.copp_ru

    def vuz(self, locale: str) -> str | None:
        return self.vuz_en if locale == "en" else self.vuz_ru

    def synonyms(self, locale: str) -> tuple[str, ...]:
        return self.synonyms_en if locale == "en" else self.synonyms_ru


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split("|") if part.strip())


def _optional(value: str) -> str | None:
    return value.strip() or None


def _labels(values: dict[str, str], where: str) -> dict[str, str]:
    """Button labels; the column is optional: the name without its parenthesis by default."""
    labels = {}
    for locale in ("ru", "en"):
        label = values[f"label_{locale}"] or values[f"name_{locale}"].split(" (", 1)[0]
        if len(label) > LABEL_LENGTH:
            raise OccupationDataError(
                f"{where}: label_{locale} is needed, at most {LABEL_LENGTH} characters"
            )
        labels[locale] = label
    return labels


def parse_occupations(text: str) -> tuple[Occupation, ...]:
    """Parse and validate the CSV text; raises `OccupationDataError` naming the broken row."""
    reader = csv.DictReader(io.StringIO(text))
    optional = ("label_ru", "label_en")
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ()) and c not in optional]
    if missing:
        raise OccupationDataError(f"occupations: missing columns {', '.join(missing)}")
    result: list[Occupation] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        values = {c: (row.get(c) or "").strip() for c in COLUMNS}
        where = f"occupations line {line} ({values['id'] or '?'})"
        for column in REQUIRED:
            if not values[column]:
                raise OccupationDataError(f"{where}: {column} is empty")
        if not ID_PATTERN.match(values["id"]):
            raise OccupationDataError(f"{where}: id must be a-z, 0-9, _ and at most 24 chars")
        if values["id"] in seen:
            raise OccupationDataError(f"{where}: duplicate id")
        seen.add(values["id"])
        riasec = values["riasec"]
        if not 1 <= len(riasec) <= 3 or any(c not in RIASEC for c in riasec):
            raise OccupationDataError(f"{where}: riasec must be 1-3 of the letters RIASEC")
        if len(set(riasec)) != len(riasec):
            raise OccupationDataError(f"{where}: riasec repeats a letter")
        if values["klimov"] not in KLIMOV:
            raise OccupationDataError(f"{where}: klimov must be one of {', '.join(KLIMOV)}")
        labels = _labels(values, where)
        spo = _split(values["spo"])
        for item in spo:
            if not SPO_PATTERN.match(item):
                raise OccupationDataError(f"{where}: spo item {item!r} is not «code name»")
        result.append(
            Occupation(
                id=values["id"],
                name_ru=values["name_ru"],
                name_en=values["name_en"],
                label_ru=labels["ru"],
                label_en=labels["en"],
                synonyms_ru=_split(values["synonyms_ru"]),
                synonyms_en=_split(values["synonyms_en"]),
                riasec=riasec,
                klimov=values["klimov"],
                about_ru=values["about_ru"],
                about_en=values["about_en"],
                copp_ru=values["copp_ru"],
                copp_en=values["copp_en"],
                spo=spo,
                vuz_ru=_optional(values["vuz_ru"]),
                vuz_en=_optional(values["vuz_en"]),
                fields=_split(values["fields"]),
                keywords=tuple(k.lower() for k in _split(values["keywords"])),
            )
        )
    return tuple(result)


@functools.cache
def load_occupations() -> tuple[Occupation, ...]:
    """The packaged occupations, parsed and validated once."""
    text = (resources.files("bot") / "data" / "occupations.csv").read_text("utf-8")
    return parse_occupations(text)


@functools.cache
def occupations_by_id() -> dict[str, Occupation]:
    return {o.id: o for o in load_occupations()}


def get_occupation(occupation_id: str) -> Occupation | None:
    """The occupation with this id, or None (an unknown or forged id)."""
    return occupations_by_id().get(occupation_id)


# --- linking programmes -----------------------------------------------------------------------

TITLE_MATCH = 1.0
DESCRIPTION_MATCH = 0.4
SAME_KLIMOV = 0.15
RIASEC_AGREEMENT = 0.15
DESCRIPTION_AGREEMENT = 0.6


def normalised(text: str) -> str:
    """Lower case, «ё» as «е», one space between words: what keywords are matched against."""
    return " ".join(text.lower().replace("ё", "е").split())


@functools.cache
def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    """A keyword is one or more stems; each must start a word, and a phrase's words follow one
    another: «охран труд» finds «Охрана труда для руководителей»."""
    words = normalised(keyword).split()
    body = r"\w*\s+".join(re.escape(word) for word in words)
    return re.compile(r"(?<![\w-])" + body)


def mentions(occupation: Occupation, text: str) -> bool:
    """Whether the (normalised) text names the work by one of the occupation's keywords."""
    return any(_keyword_pattern(k).search(text) for k in occupation.keywords)


_WORD = re.compile(r"\w+(?:-\w+)*")


# (id, title, region slug, online, the centre's latitude and longitude) of one programme.
IndexRow = tuple[str, str, str | None, bool, float | None, float | None]
Box = tuple[float, float, float, float]  # south, north, west, east


class TitleIndex:
    """Programme titles by the words in them, with where each programme is, to find the
    programmes an occupation's keywords may name near a person without reading the catalogue:
    a keyword's stems must each start a word of the title (`programme_match` then decides), and
    an in-person programme must be in the person's region or box (`in_reach` then decides).
    Compact: the word list, one array of programme numbers per word, arrays of places, and
    the ids in one string (a list of 100,000 id strings alone took 5 MB)."""

    def __init__(self, rows: Iterable[IndexRow]) -> None:
        ids: list[str] = []
        postings: dict[str, array[int]] = {}
        self._regions: dict[str, int] = {}
        self._region = array("h")
        self._online = bytearray()
        self._lat = array("f")
        self._lon = array("f")
        for number, (program_id, title, region, online, lat, lon) in enumerate(rows):
            ids.append(program_id)
            for word in set(_WORD.findall(normalised(title))):
                if not word.isdigit():  # «№ 12», «2025»: no keyword is a number
                    postings.setdefault(word, array("i")).append(number)
            self._region.append(self._regions.setdefault(region or "", len(self._regions)))
            located = not online and lat is not None and lon is not None
            self._online.append(0 if located else 1)
            self._lat.append(lat if located and lat is not None else 0.0)
            self._lon.append(lon if located and lon is not None else 0.0)
        self._words = sorted(postings)
        self._postings = postings
        self._id_text = "".join(ids)
        self._id_ends = array("q", accumulate(map(len, ids)))

    def __len__(self) -> int:
        return len(self._id_ends)

    def _ids(self, numbers: Iterable[int]) -> list[str]:
        text, ends = self._id_text, self._id_ends
        return [text[ends[n - 1] if n else 0 : ends[n]] for n in numbers]

    def _starting(self, stem: str) -> set[int]:
        found: set[int] = set()
        at = bisect.bisect_left(self._words, stem)
        while at < len(self._words) and self._words[at].startswith(stem):
            found.update(self._postings[self._words[at]])
            at += 1
        return found

    def _matching(self, occupation: Occupation) -> list[int]:
        found: set[int] = set()
        for keyword in occupation.keywords:
            stems = _WORD.findall(normalised(keyword))
            if not stems:
                continue
            hits = self._starting(stems[0])
            for stem in stems[1:]:
                hits &= self._starting(stem)
            found |= hits
        return sorted(found)

    def candidates(
        self,
        occupation: Occupation,
        limit: int | None = None,
        *,
        region: str | None = None,
        box: Box | None = None,
    ) -> list[str]:
        """Ids of programmes whose titles have words starting with every stem of one of the
        occupation's keywords. With a `box`: the in-person ones in `region` or inside the box
        first, then the online ones; without: all, in id order. At most `limit`."""
        numbers = self._matching(occupation)
        if box is not None:
            south, north, west, east = box
            home = self._regions.get(region or "", -1) if region else -1
            near = [
                n
                for n in numbers
                if not self._online[n]
                and (
                    self._region[n] == home
                    or (south <= self._lat[n] <= north and west <= self._lon[n] <= east)
                )
            ]
            numbers = near + [n for n in numbers if self._online[n]]
        return self._ids(numbers[:limit])

    def online(self, occupation: Occupation, limit: int | None = None) -> list[str]:
        """Ids of the online programmes for the occupation (no place known yet)."""
        numbers = [n for n in self._matching(occupation) if self._online[n]]
        return self._ids(numbers[:limit])

    def nearest(self, occupation: Occupation, lat: float, lon: float, limit: int) -> list[str]:
        """Ids of the in-person programmes for the occupation, nearest first (roughly: a flat
        map around the person, enough to pick the few that `rate_one` then measures)."""
        squeeze = math.cos(math.radians(lat))

        def far(n: int) -> float:
            dlon = (self._lon[n] - lon + 180.0) % 360.0 - 180.0
            return (self._lat[n] - lat) ** 2 + (dlon * squeeze) ** 2

        located = [n for n in self._matching(occupation) if not self._online[n]]
        return self._ids(sorted(located, key=far)[:limit])


def programme_match(
    occupation: Occupation,
    title: str,
    description: str | None,
    klimov: str | None,
    weights: tuple[float, ...],
) -> float:
    """How surely a programme trains for the occupation: 0 when neither its title nor its
    description names the work; more when the title does, and a little more when the
    programme's interest types agree with the occupation's."""
    agreement = 0.0
    if len(weights) == len(RIASEC) and max(weights) > 0:
        leading = RIASEC.index(occupation.riasec[0])
        agreement = weights[leading] / max(weights)
    same_klimov = klimov == occupation.klimov
    if mentions(occupation, normalised(title)):
        score = TITLE_MATCH
    elif description and mentions(occupation, normalised(description)):
        # A word in a description says less («без медицинских противопоказаний» is no
        # medicine course): it counts only when the programme is of the job's kind.
        if not same_klimov and agreement < DESCRIPTION_AGREEMENT:
            return 0.0
        score = DESCRIPTION_MATCH
    else:
        return 0.0
    return score + SAME_KLIMOV * same_klimov + RIASEC_AGREEMENT * agreement


# --- occupations for a test result ------------------------------------------------------------


def for_riasec(counts: dict[str, int], named: tuple[str, ...]) -> tuple[Occupation, ...]:
    """`counts[type]` occupations led by each type (in the dict's order), those sharing more of
    the person's other named types first; the file's order breaks ties (commoner jobs first)."""
    chosen: list[Occupation] = []
    occupations = load_occupations()
    for type_id, count in counts.items():
        led = [o for o in occupations if o.riasec[0] == type_id and o not in chosen]
        led.sort(key=lambda o: -sum(1 for letter in o.riasec[1:] if letter in named))
        chosen.extend(led[:count])
    return tuple(chosen)


def for_klimov(types: tuple[str, ...], per_type: int) -> tuple[Occupation, ...]:
    """`per_type` occupations of each school type, those a college trains for first."""
    chosen: list[Occupation] = []
    for type_id in types:
        of_type = [o for o in load_occupations() if o.klimov == type_id]
        of_type.sort(key=lambda o: not o.spo)
        chosen.extend(of_type[:per_type])
    return tuple(chosen)
