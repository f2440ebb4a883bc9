"""Geography for the bot: distances and search boxes on the sphere, and a parser that turns what a
person types into a chat («в Перми», «Тамбовская обл.», «питер») into one of the regions of
`bot/data/regions.csv`. Pure: no aiogram, no storage.

Longitudes live in −180..180 and Chukotka straddles the 180th meridian, so nothing here assumes a
longitude is positive or that a box never wraps.
"""

from __future__ import annotations

import math
import re
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from itertools import product

from bot.domain.catalogue import Region
from bot.domain.towns import Globe, Town, Towns, TownTable, Whereabouts

EARTH_RADIUS_KM = 6371.0088

# Boxes are widened by this much (about a millimetre) so that rounding never drops a point that
# lies exactly on the radius.
_BOX_PAD_DEG = 1e-8


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance by the haversine formula; correct across the antimeridian."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlmb = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlmb) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, a))))


def normalize_lon(lon: float) -> float:
    """The same meridian in −180..180 (180 itself stays 180)."""
    if -180.0 <= lon <= 180.0:
        return lon
    return (lon + 180.0) % 360.0 - 180.0


@dataclass(frozen=True, slots=True)
class BoundingBox:
    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float

    def contains(self, lat: float, lon: float) -> bool:
        lon = normalize_lon(lon)
        if not self.min_lat <= lat <= self.max_lat:
            return False
        if self.min_lon <= lon <= self.max_lon:
            return True
        # −180 and 180 are one meridian.
        return (lon == -180.0 and self.max_lon == 180.0) or (
            lon == 180.0 and self.min_lon == -180.0
        )


def bounding_boxes(lat: float, lon: float, radius_km: float) -> list[BoundingBox]:
    """Boxes that together contain every point within `radius_km` of (lat, lon).

    One box normally, two when the circle crosses ±180°, and the full longitude range when the
    circle reaches a pole (there every longitude is within reach). Use them as a cheap
    prefilter (`min_lon <= lon <= max_lon` in SQL) and check `distance_km` afterwards: the
    corners of a box lie outside the circle.
    """
    if not math.isfinite(radius_km) or radius_km < 0:
        raise ValueError(f"radius_km must be a finite number ≥ 0, got {radius_km!r}")
    if not (math.isfinite(lat) and math.isfinite(lon)) or not -90.0 <= lat <= 90.0:
        raise ValueError(f"bad coordinates: {lat!r}, {lon!r}")
    lon = normalize_lon(lon)
    angular = radius_km / EARTH_RADIUS_KM  # radians
    delta_lat = math.degrees(angular) + _BOX_PAD_DEG
    min_lat, max_lat = lat - delta_lat, lat + delta_lat
    if max_lat >= 90.0 or min_lat <= -90.0:
        return [BoundingBox(max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0)]
    # Widest longitude reached by the circle (the tangent meridians), not simply angular/cos(lat):
    # the circle bulges towards the pole. The pole is outside, so the ratio is below 1.
    ratio = math.sin(angular) / math.cos(math.radians(lat))
    delta_lon = math.degrees(math.asin(min(1.0, ratio))) + _BOX_PAD_DEG
    min_lon, max_lon = lon - delta_lon, lon + delta_lon
    if min_lon < -180.0:
        return [
            BoundingBox(min_lat, max_lat, min_lon + 360.0, 180.0),
            BoundingBox(min_lat, max_lat, -180.0, max_lon),
        ]
    if max_lon > 180.0:
        return [
            BoundingBox(min_lat, max_lat, min_lon, 180.0),
            BoundingBox(min_lat, max_lat, -180.0, max_lon - 360.0),
        ]
    return [BoundingBox(min_lat, max_lat, min_lon, max_lon)]


# --- Place names -------------------------------------------------------------------------------


class PlaceKind(StrEnum):
    city = "city"  # the text named the regional capital
    region = "region"  # the text named the region itself
    town = "town"  # the text named another settlement (`PlaceMatch.town`)


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    region: Region
    kind: PlaceKind
    exact: bool  # False when found only through typo tolerance
    matched: str  # the alias or name that matched
    # The settlement: set for a town and for a capital when the index has the towns table.
    town: Town | None = None


# A place answer is a few words; longer messages are not parsed at all, which also bounds the work.
MAX_TEXT_CHARS = 300

_TOKEN_RE = re.compile(r"[0-9a-zа-я]+|[.,;:!?()/\n]")
_APOSTROPHES = re.compile(r"['’ʼ`]")


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _longest_first(text: str) -> tuple[str, ...]:
    return tuple(sorted(text.split(), key=len, reverse=True))


# Words that carry no place: prepositions, «г.», pronouns, «живу» and the like. They are dropped
# from the text and from the aliases alike («Ростов-на-Дону» becomes «ростов дону» on both sides).
_FILLERS = _word_set(
    """
    в во из изо на с со к ко у о об от до по под около возле рядом близ за для при через
    и а но или либо ну да нет не ни же ли бы вот уже еще тоже также только
    г гор город города городе городу городом пгт пос поселок поселке село селе деревня деревне
    я мы ты вы он она они меня мне нас нам вас вам кому чему тому что кто где как когда
    мой моя мое мои наш наша наше наши свой своя свое сам сама сейчас тут здесь там это этот эта
    живу живем живешь живет живут жил жила жили проживаю проживаем нахожусь находимся родом
    регион регионе региона регионом субъект субъекте район районе
    привет здравствуйте пожалуйста спасибо скорее всего вообще наверное
    i im am me my we our from in at near to the of city town live living lives hi hello
    """
)

# Words that make the text name a region rather than a city: «край», «обл.», «Республика …».
_MARKER = "#"
# Punctuation between words: «Нижний Тагил» is one name, «Ростов, учусь в колледже» is not.
_BREAK = ","
_MARKER_WORDS = _word_set(
    """
    обл кр респ ао oblast krai kray republic okrug
    область области областью областей
    край края краю крае краем
    округ округа округу округе округом
    """
)
_MARKER_PREFIXES = ("республик", "автономн", "народн")


def _is_marker(word: str) -> bool:
    return word in _MARKER_WORDS or word.startswith(_MARKER_PREFIXES)


# Russian case endings, longest first. Stripping them maps «Перми», «Пермью», «Пермь» to «перм».
_ENDINGS = _longest_first(
    """
    ами ями ого его ому ему ыми ими ах ях ой ей ом ем ою ею ью ая яя ую юю ое ее ые ие ый ий
    ых их ым им а я у ю е ы и о ь й
    """
)
# Adjectives on -ский/-цкий keep a mark, so «Омская» (the oblast) never meets «Омск» (the city).
_ADJ_ENDINGS = _longest_first(
    "ий ый ой ая яя ое ее ие ые ого его ому ему ом ем ую юю их ых им ым ими ыми"
)
_ADJ_MARK = "*"
_MIN_STEM = 2  # stems this short are used only inside multi-word names («Йошкар-Олы»)
_MIN_SINGLE_STEM = 3  # a lone word needs a longer stem to be matched by its stem at all


def _by_length(endings: tuple[str, ...]) -> tuple[tuple[int, frozenset[str]], ...]:
    lengths = sorted({len(e) for e in endings}, reverse=True)
    return tuple((n, frozenset(e for e in endings if len(e) == n)) for n in lengths)


_ENDINGS_BY_LENGTH = _by_length(_ENDINGS)
_ADJ_ENDINGS_BY_LENGTH = _by_length(_ADJ_ENDINGS)


def _stem(word: str) -> str:
    """The word without its case ending (the longest that leaves a stem of two letters);
    adjectives on -ский/-цкий keep a mark. Set lookups by ending length: the towns table stems
    tens of thousands of words at start-up."""
    for n, endings in _ADJ_ENDINGS_BY_LENGTH:
        if len(word) > n and word[-n:] in endings:
            base = word[:-n]
            if len(base) >= 4 and base.endswith(("ск", "цк")):
                return base + _ADJ_MARK
            break
    for n, endings in _ENDINGS_BY_LENGTH:
        if len(word) - n >= _MIN_STEM and word[-n:] in endings:
            return word[:-n]
    return word


def _tokens(text: str) -> list[str]:
    """Lowercased words with ё = е, fillers dropped, region words replaced by a marker and runs
    of punctuation by one break. Hyphens and dashes join words: «Ростов-на-Дону»."""
    tokens: list[str] = []
    text = _APOSTROPHES.sub("", text.lower().replace("ё", "е"))
    for piece in _TOKEN_RE.findall(text):
        if not piece[0].isalnum():
            if tokens and tokens[-1] != _BREAK:
                tokens.append(_BREAK)
        elif piece not in _FILLERS:
            tokens.append(_MARKER if _is_marker(piece) else piece)
    if tokens and tokens[-1] == _BREAK:
        tokens.pop()
    return tokens


_PLAIN_NAME = re.compile(r"[a-zа-я0-9 .-]+")
_NAME_SPLIT = re.compile(r"[ .-]+")


def _name_words(name: str) -> list[str]:
    """The words of a place name as `_tokens` gives them, without markers and breaks; a fast path
    for plain names (the towns table has tens of thousands)."""
    text = name.lower().replace("ё", "е")
    if not _PLAIN_NAME.fullmatch(text):
        return [t for t in _tokens(text) if _is_word(t)]
    return [w for w in _NAME_SPLIT.split(text) if w and w not in _FILLERS and not _is_marker(w)]


def _is_word(token: str) -> bool:
    return token not in (_MARKER, _BREAK)


# Typo tolerance: nothing for words shorter than 5 letters, one edit up to 7 letters, two beyond.
# A long sentence with no place in it is not worth guessing at.
_TYPO_MIN_LEN = 5
_TYPO_MAX_WORDS = 8
_MAX_TYPOS = 2


def _typo_limit(length: int) -> int:
    if length < _TYPO_MIN_LEN:
        return 0
    return 1 if length <= 7 else _MAX_TYPOS


# Common words one typo away from a place name; never read as a misspelt place.
_NO_TYPO = _word_set(
    """
    курсы курса курсе курсу курсам курсах курсом курсов элита элиты элите тоска тоске
    корова коровы корове корову
    """
)


def _is_subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(char in chars for char in short)


def _name_parts(name_ru: str) -> list[str]:
    """«Республика Татарстан (Татарстан)» → the name and its short form; same for « — » names."""
    parts: list[str] = []
    for match in re.finditer(r"\(([^)]*)\)", name_ru):
        parts.append(match.group(1))
    main = re.sub(r"\([^)]*\)", " ", name_ru)
    parts.extend(re.split(r"\s+[—–]\s+", main))
    return [" ".join(p.split()) for p in parts if p.strip()]


@dataclass(frozen=True, slots=True)
class _Entry:
    region: Region
    kind: PlaceKind
    matched: str
    # Set for a bare noun taken from an official name («Алтай» of «Республика Алтай»): it counts
    # only next to a region word, because on its own it may mean another region.
    needs_marker: bool
    # The official name with the same words («Пермский край» for «Пермский»), reported instead of
    # the alias when the text too had «край», «область» or «республика».
    official: str | None = None
    # The first words of the capital's name («Нижний», «Ростов»): not when an unknown word follows,
    # as in «Нижний Тагил», which is another city.
    truncated: bool = False


_Key = tuple[str, ...]
# One reading of a word: its spelling (empty when it is a guessed typo), its stem, typo or not.
_Option = tuple[str, str, bool]


@dataclass(frozen=True, slots=True)
class _Hit:
    entry: _Entry
    size: int  # words covered
    typo: bool
    beside_marker: bool
    start: int = 0  # the first token covered
    spelled: bool = True  # matched a spelling, not only a stem


# The towns' keys are kept as bytes in this codec: one byte a letter (Russian and Latin), so a
# Levenshtein distance over the bytes is the distance over the letters.
_KEY_CODEC = "cp1251"
"".encode(_KEY_CODEC)  # the codec's module is imported now, not in the middle of a build


class _TownKeys:
    """Keys (a name's words joined by spaces) → indices of towns, in a few flat buffers rather
    than a dict of str and tuples (a fifth of the memory, and no small objects left between
    the ones a build frees): the keys as bytes sorted by length, then by their bytes, joined in
    one string; the keys of one length are a run of equal width there, so a lookup is a
    bisection within its length's run. The towns of the key at i are
    `postings[starts[i]:starts[i + 1]]`, in the order they were given. The fuzzy search reads
    the keys as a list (`listed`, made on its first use). Keys are added one by one, then
    sealed."""

    __slots__ = (
        "_blob",
        "_first",
        "_firsts",
        "_listed",
        "_more",
        "_offsets",
        "_postings",
        "_starts",
    )

    def __init__(self) -> None:
        # Made empty and filled later (see `Towns`). 8 bytes an entry for the short ones:
        # their buffers are then beyond CPython's small-object allocator.
        self._postings = array("I")
        self._starts = array("I", [0])
        self._firsts = array("q")
        self._offsets = array("q")
        self._blob = b""
        self._listed: list[bytes] | None = None
        # While keys are added: key → its first town, and the towns after the first.
        self._first: dict[bytes, int] = {}
        self._more: dict[bytes, list[int]] = {}

    def add(self, text: str, town: int) -> None:
        """The key `text` leads to `town` too (once, however often it is added in a row)."""
        key = text.encode(_KEY_CODEC)
        first = self._first.setdefault(key, town)
        more = self._more.get(key)
        if (more[-1] if more else first) != town:
            self._more.setdefault(key, []).append(town)

    def seal(self) -> None:
        """Lay the keys added out in the buffers; no more can be added."""
        keys = sorted(self._first)
        keys.sort(key=len)  # stable: by length, then by bytes
        for key in keys:
            self._postings.append(self._first[key])
            self._postings.extend(self._more.get(key, ()))
            self._starts.append(len(self._postings))
        self._first.clear()
        self._more.clear()
        # Per length n: the position of its first key, and the byte its run starts at (for
        # n up to one past the longest; at least 64 of them, see above).
        lengths = max(len(keys[-1]) + 2 if keys else 0, 64)
        self._firsts.extend(bisect_left(keys, n, key=len) for n in range(lengths))
        self._offsets.append(0)
        for n in range(1, lengths):
            count = self._firsts[n] - self._firsts[n - 1]
            self._offsets.append(self._offsets[-1] + count * (n - 1))
        self._blob = b"".join(keys)

    @property
    def listed(self) -> list[bytes]:
        """Every key, in order (position i is the key at i)."""
        if self._listed is None:
            blob, listed = self._blob, list[bytes]()
            for n in range(1, len(self._firsts) - 1):
                base = self._offsets[n]
                count = self._firsts[n + 1] - self._firsts[n]
                listed.extend(blob[base + m * n : base + m * n + n] for m in range(count))
            self._listed = listed
        return self._listed

    def get(self, text: str) -> tuple[int, ...]:
        try:
            probe = text.encode(_KEY_CODEC)
        except UnicodeEncodeError:
            return ()
        n = len(probe)
        if not 0 < n < len(self._firsts) - 1:
            return ()
        first, count, base, blob = (
            self._firsts[n],
            self._firsts[n + 1] - self._firsts[n],
            self._offsets[n],
            self._blob,
        )
        i = bisect_left(range(count), probe, key=lambda m: blob[base + m * n : base + m * n + n])
        if i < count and blob[base + i * n : base + i * n + n] == probe:
            return self.towns(first + i)
        return ()

    def span(self, shortest: int, longest: int) -> tuple[int, int]:
        """The positions of the keys from `shortest` to `longest` bytes long."""
        top = len(self._firsts) - 1
        start = self._firsts[max(0, min(shortest, top))]
        return start, max(start, self._firsts[max(0, min(longest + 1, top))])

    def towns(self, position: int) -> tuple[int, ...]:
        return tuple(self._postings[self._starts[position] : self._starts[position + 1]])


@dataclass(frozen=True, slots=True)
class _TownHit:
    start: int
    size: int
    towns: tuple[int, ...]  # indices into the table
    spelled: bool


# Free text: a place after one of these words («я из Перми», «живу в Кунгуре», «from Kazan»).
_MENTION_RE = re.compile(
    r"(?:^|[\s,.!?;:(])(?:в|во|из|изо|под|около|возле|недалеко\s+от|рядом\s+с|from|in|near)"
    r"\s+([^\s,.!?;:()]+(?:[\s]+[^\s,.!?;:()]+){0,3})",
    re.IGNORECASE,
)
_MENTION_MAX_WORDS = 5
# The most settlements an ambiguous name offers (the biggest first).
MAX_CHOICES = 8


class PlaceIndex:
    """Finds the region or settlement a short text names (Russian or Latin). Built once;
    `lookup` and `mentioned` are cheap. Without a towns table it knows regions and capitals."""

    def __init__(
        self,
        regions: Sequence[Region],
        towns: TownTable | Callable[[], TownTable] | None = None,
    ) -> None:
        """`towns` may be a loader: the table (about 0.3 s to index) is then read on first use,
        so that start-up does not wait for it."""
        self._regions = list(regions)
        self._by_slug = {r.slug: r for r in self._regions}
        self._exact: dict[_Key, dict[str, _Entry]] = {}
        self._stemmed: dict[_Key, dict[str, _Entry]] = {}
        self._max_words = 1
        for region in self._regions:
            capital = self._stems(_tokens(region.capital_ru))
            for alias in (region.capital_ru, *region.aliases):
                stems = tuple(t for t in self._stems(_tokens(alias)) if _is_word(t))
                truncated = len(stems) < len(capital) and stems == capital[: len(stems)]
                kind = self._alias_kind(region, alias, capital)
                self._add(alias, region, kind, truncated=truncated)
            for part in _name_parts(region.name_ru):
                core = tuple(t for t in self._stems(_tokens(part)) if _is_word(t))
                kind = PlaceKind.city if core == capital else PlaceKind.region
                self._add(part, region, kind, official=True)
        # Typo search: the words and stems the names are made of (a few hundred), compared with
        # a misspelt word by rapidfuzz's Levenshtein (microseconds for all of them). Spellings
        # are compared with spellings and stems with stems: a stem against a whole word would
        # let «помощь» pass for «Поморье».
        self._known_words = {word for key in self._exact for word in key}
        self._known_stems = {stem for key in self._stemmed for stem in key}
        self._typo_forms = (sorted(self._known_words), sorted(self._known_stems))
        # A word longer than every known one by more than the typos allowed cannot be a
        # misspelling of any: it is not searched.
        self._longest_probe = max(map(len, self._known_words | self._known_stems)) + _MAX_TYPOS
        if towns is not None:
            # After the typo index: English typos are left to the towns' fuzzy search, which
            # knows the capitals' English names too.
            self._add_english(self._regions)

        self._towns = Towns()
        self._town_exact = _TownKeys()
        self._town_stemmed = _TownKeys()
        self._town_max_words = 0
        self._capital_town: dict[str, int] = {}
        self._globe = Globe(self._towns, ())
        self._towns_loader: Callable[[], TownTable] | None = None
        if isinstance(towns, TownTable):
            self._add_towns(towns)
            self._find_capitals()
        elif towns is not None:
            self._towns_loader = towns

    # -- building --------------------------------------------------------------------------

    def load_towns(self) -> None:
        """Read and index the towns table now rather than on the first lookup."""
        self._ready()

    def _ready(self) -> None:
        """Index the towns table if it was given as a loader and not read yet."""
        if self._towns_loader is not None:
            loader, self._towns_loader = self._towns_loader, None
            table = loader()
            self._add_towns(table)
            del table
            self._find_capitals()  # once the table's rows are gone (see `Towns`)

    def _add_english(self, regions: Sequence[Region]) -> None:
        """English names: «Perm», «Moscow», «Perm Krai», «Tatarstan». A region's name without
        its «Oblast»/«Republic» counts alone unless it is also a capital's or another region's
        («Moscow» of «Moscow Oblast» is the city)."""
        capitals = {tuple(_tokens(r.capital_en)) for r in regions}
        bare: dict[_Key, int] = {}
        for region in regions:
            key = tuple(t for t in _tokens(region.name_en) if _is_word(t))
            bare[key] = bare.get(key, 0) + 1
        for region in regions:
            self._add(region.capital_en, region, PlaceKind.city)
            if region.name_en == region.capital_en:
                continue
            key = tuple(t for t in _tokens(region.name_en) if _is_word(t))
            self._add(region.name_en, region, PlaceKind.region, official=True)
            if key and key not in capitals and bare[key] == 1:
                self._add(" ".join(key), region, PlaceKind.region)

    def _add_towns(self, table: TownTable) -> None:
        """Every spelling and case form is kept (free text trusts only these); the stems of the
        names catch the forms the table lacks."""
        self._towns = table.towns
        self._towns.share_slugs({slug: slug for slug in self._by_slug})
        self._globe.load(table.towns, table.abroad)
        towns = table.towns
        if len(table.spellings) != len(towns):
            raise ValueError("the towns table has a row of spellings per town")
        longest = 0
        for number, spellings in enumerate(table.spellings):
            names = (towns.name_ru(number), towns.name_en(number))
            for position, spelling in enumerate((*names, *spellings.split("|"))):
                words = _name_words(spelling)
                if not words:
                    continue
                self._town_exact.add(" ".join(words), number)
                longest = max(longest, len(words))
                if position < 2:
                    stems = " ".join(_stem(w) for w in words)
                    if len(words) > 1 or len(stems) >= _MIN_SINGLE_STEM + 1:
                        self._town_stemmed.add(stems, number)
        self._town_max_words = longest
        self._town_exact.seal()
        self._town_stemmed.seal()

    def _find_capitals(self) -> None:
        for region in self._regions:
            key = " ".join(t for t in _tokens(region.capital_ru) if _is_word(t))
            for index in self._town_exact.get(key):
                if self._towns.region_slug(index) == region.slug:
                    self._capital_town[region.slug] = index
                    break

    @staticmethod
    def _stems(tokens: Iterable[str]) -> _Key:
        return tuple(_stem(t) if _is_word(t) else t for t in tokens)

    @staticmethod
    def _alias_kind(region: Region, alias: str, capital: _Key) -> PlaceKind:
        """City for the capital and its forms («Перми», «Ростов», «Нижний», «Орла», «Екб»)."""
        if region.name_ru == region.capital_ru:  # Москва, Санкт-Петербург, Севастополь
            return PlaceKind.city
        stems = PlaceIndex._stems(_tokens(alias))
        if _MARKER in stems or alias.isupper():  # «ХМАО», «ДНР» abbreviate the region
            return PlaceKind.region
        if stems == capital[: len(stems)]:
            return PlaceKind.city
        if len(stems) == 1:
            (stem,) = stems
            joined = "".join(capital)
            # Abbreviations and a dropped vowel: «Екб» of «Екатеринбург», «Орла» of «Орёл».
            if (
                not stem.endswith(_ADJ_MARK)
                and stem[0] == joined[0]
                and _is_subsequence(stem, joined)
            ):
                return PlaceKind.city
        return PlaceKind.region

    def _add(
        self,
        text: str,
        region: Region,
        kind: PlaceKind,
        *,
        official: bool = False,
        truncated: bool = False,
    ) -> None:
        tokens = _tokens(text)
        words = [t for t in tokens if _is_word(t)]
        if not words:
            raise ValueError(f"{region.slug}: {text!r} has no words to match")
        stems = tuple(_stem(w) for w in words)
        has_adjective = any(s.endswith(_ADJ_MARK) for s in stems)
        has_marker = _MARKER in tokens
        entry = _Entry(
            region,
            kind,
            text,
            needs_marker=has_marker and not has_adjective,
            official=text if official and has_marker else None,
            truncated=truncated,
        )
        self._max_words = max(self._max_words, len(words))
        self._put(self._exact, tuple(words), entry)
        if len(stems) > 1 or len(stems[0].rstrip(_ADJ_MARK)) >= _MIN_SINGLE_STEM:
            self._put(self._stemmed, stems, entry)

    @staticmethod
    def _put(index: dict[_Key, dict[str, _Entry]], key: _Key, entry: _Entry) -> None:
        entries = index.setdefault(key, {})
        old = entries.get(entry.region.slug)
        if old is None:
            entries[entry.region.slug] = entry
            return
        # Aliases come first and keep their spelling; a later official name only adds its own.
        entries[entry.region.slug] = replace(
            old,
            needs_marker=old.needs_marker and entry.needs_marker,
            official=old.official or entry.official,
            truncated=old.truncated and entry.truncated,
        )

    # -- queries ---------------------------------------------------------------------------

    def by_slug(self, slug: str) -> Region | None:
        return self._by_slug.get(slug)

    def districts(self) -> list[str]:
        return sorted({r.federal_district for r in self._regions})

    def regions_in(self, district: str) -> list[Region]:
        return sorted(
            (r for r in self._regions if r.federal_district == district), key=lambda r: r.name_ru
        )

    def nearest_region(self, lat: float, lon: float) -> Region:
        """The region of the nearest settlement (with the towns table), else of the nearest
        capital: a fair guess that a text never states as fact."""
        self._ready()
        if self._towns:
            found = self._globe.whereabouts(lat, lon)
            if found.town is not None:
                region = self._by_slug.get(found.town.region_slug)
                if region is not None:
                    return region
        regions = [r for d in self.districts() for r in self.regions_in(d)]
        return min(regions, key=lambda r: distance_km(lat, lon, r.lat, r.lon))

    def whereabouts(self, lat: float, lon: float) -> Whereabouts:
        """The nearest settlement of Russia and whether the point lies outside Russia."""
        self._ready()
        return self._globe.whereabouts(lat, lon)

    def town(self, town_id: int) -> Town | None:
        self._ready()
        index = self._towns.index_of(town_id)
        return None if index is None else self._towns[index]

    def capital_town(self, region: Region) -> Town | None:
        self._ready()
        index = self._capital_town.get(region.slug)
        return None if index is None else self._towns[index]

    def lookup(self, text: str) -> PlaceMatch | None:
        """The place `text` names, or None when it names none or several, or only ambiguously.

        Exact spellings and case forms come first; only when nothing matches are single-letter
        typos (two in long words) tried, and a typo that fits two regions equally gives None.
        """
        found = self.find(text)
        return found[0] if len(found) == 1 else None

    def find(self, text: str) -> list[PlaceMatch]:
        """Every place `text` may name (lenient: typed when asked for a place): one match, or
        several settlements of one name (the biggest first), or none."""
        return self._find(text, typos=True)[0]

    def mentioned(self, text: str) -> list[PlaceMatch]:
        """Places named in free text typed anywhere — strictly: the whole message is a place
        name, or a place follows «из», «в», «под», «живу в», «from», «in» («я из Перми»). No
        typos; a name that is also an ordinary word («Мирный», «Орёл») needs a capital letter.
        Empty when there is none; several when the name is ambiguous."""
        if not text or len(text) > MAX_TEXT_CHARS:
            return []
        words = [t for t in _tokens(text) if _is_word(t)]
        if len(words) <= _MENTION_MAX_WORDS:
            found, covered = self._find(text, typos=False)
            if found and covered:
                return self._capitalised(found, text)
        for match in _MENTION_RE.finditer(text):
            following = match.group(1).split()
            for size in range(len(following), 0, -1):
                found, covered = self._find(" ".join(following[:size]), typos=False)
                if found and covered:
                    return self._capitalised(found, text)
        return []

    @staticmethod
    def _capitalised(found: list[PlaceMatch], text: str) -> list[PlaceMatch]:
        capitals = {w[:3].lower().replace("ё", "е") for w in re.findall(r"\b[А-ЯЁA-Z]\w*", text)}
        return [
            m
            for m in found
            if m.town is None
            or not m.town.common
            or m.town.name_ru[:3].lower().replace("ё", "е") in capitals
        ]

    def _find(self, text: str, *, typos: bool) -> tuple[list[PlaceMatch], bool]:
        """The matches and whether they cover every word of the text. Lenient with typos; strict
        (free text) without them and without towns found only by a stem («мирный» is not the
        Ukrainian-spelt «Мирне»)."""
        self._ready()
        if not text or len(text) > MAX_TEXT_CHARS:
            return [], False
        tokens = _tokens(text)
        word_count = sum(_is_word(t) for t in tokens)
        if not word_count:
            return [], False
        options = [[(t, _stem(t), False)] for t in tokens]
        hits = self._scan(tokens, options)
        town_hits = self._scan_towns(tokens)
        if not typos:
            town_hits = [h for h in town_hits if h.spelled]
        found = self._combine(hits, town_hits)
        if found or not typos:
            covered = self._covered(tokens, hits, town_hits, found)
            return found, covered
        if len(tokens) <= _TYPO_MAX_WORDS:
            options = [self._typo_options(t) if _is_word(t) else [(t, t, False)] for t in tokens]
            if any(opt[2] for choices in options for opt in choices):
                hits = self._scan(tokens, options)
                found = self._combine(hits, [])
        if not found and self._towns and word_count <= 4:
            found = self._fuzzy_towns_for([t for t in tokens if _is_word(t)])
        return found, bool(found)

    def _covered(
        self,
        tokens: list[str],
        hits: list[_Hit],
        town_hits: list[_TownHit],
        found: list[PlaceMatch],
    ) -> bool:
        if not found:
            return False
        used = [not _is_word(t) for t in tokens]
        spans = [(h.start, h.size) for h in hits] + [(h.start, h.size) for h in town_hits]
        for start, size in spans:
            for i in range(start, start + size):
                used[i] = True
        return all(used)

    def _scan_towns(self, tokens: list[str]) -> list[_TownHit]:
        if not self._towns:
            return []
        used = [not _is_word(t) for t in tokens]
        hits: list[_TownHit] = []
        for size in range(min(self._town_max_words, len(tokens)), 0, -1):
            for start in range(len(tokens) - size + 1):
                if any(used[start : start + size]):
                    continue
                words = tokens[start : start + size]
                spelled = self._town_exact.get(" ".join(words))
                stemmed = self._town_stemmed.get(" ".join(_stem(w) for w in words))
                found = spelled + tuple(i for i in stemmed if i not in spelled)
                if found:
                    hits.append(_TownHit(start, size, found, bool(spelled)))
                    for i in range(start, start + size):
                        used[i] = True
        return hits

    def _combine(self, hits: list[_Hit], town_hits: list[_TownHit]) -> list[PlaceMatch]:
        """Regions and capitals as before; settlements where no capital or region claims the
        same words, and inside the region the text names («Кунгур, Пермский край»)."""
        kept_towns: list[_TownHit] = []
        also_region: PlaceMatch | None = None
        for town_hit in town_hits:
            span = set(range(town_hit.start, town_hit.start + town_hit.size))
            rivals = [h for h in hits if span & set(range(h.start, h.start + h.size))]
            if not rivals:
                kept_towns.append(town_hit)
                continue
            end = town_hit.start + town_hit.size
            if town_hit.size > max(h.size for h in rivals) and all(
                town_hit.start <= h.start and h.start + h.size <= end and not h.beside_marker
                for h in rivals
            ):  # «Ростов Великий», «Матвеев Курган»: the longer name is the settlement's
                hits = [h for h in hits if h not in rivals]
                kept_towns.append(town_hit)
                continue
            weak = all(
                h.entry.kind is PlaceKind.region and not h.spelled and not h.beside_marker
                for h in rivals
            )
            if weak:  # «в Тульском»: Тульская область, or the settlement Тульский?
                if town_hit.spelled:  # «Орловский» is a settlement, not Орловская область
                    hits = [h for h in hits if h not in rivals]
                else:
                    also_region = self._resolve(rivals)
                kept_towns.append(town_hit)
        if also_region is not None:
            hits = [h for h in hits if h.entry.region != also_region.region]
        region_match = self._resolve(hits)
        if hits and region_match is None:
            return []  # two regions, as before
        towns = sorted(
            {i for hit in kept_towns for i in hit.towns},
            key=lambda i: (-self._towns.population(i), self._towns.name_ru(i)),
        )
        if region_match is not None:
            slug = region_match.region.slug
            inside = [i for i in towns if self._towns.region_slug(i) == slug]
            if not inside:
                return [self._with_capital(region_match)]
            towns = inside
        if len(kept_towns) > 1 and len({self._towns.name_ru(i) for i in towns}) > 1:
            return []  # «Кунгур или Чайковский»: two places
        found = [self._town_match(i, exact=True) for i in self._one_per_region(towns)]
        return [also_region, *found] if also_region is not None and found else found

    def _one_per_region(self, towns: list[int]) -> list[int]:
        """The biggest settlement of each name in each region (biggest first already): two
        Ивановка of one region are one choice for a person, who picks by region."""
        seen: set[tuple[str, str]] = set()
        kept = []
        for index in towns:
            key = (self._towns.name_ru(index), self._towns.region_slug(index))
            if key not in seen:
                seen.add(key)
                kept.append(index)
        return kept

    def _with_capital(self, match: PlaceMatch) -> PlaceMatch:
        if match.kind is not PlaceKind.city:
            return match
        index = self._capital_town.get(match.region.slug)
        return match if index is None else replace(match, town=self._towns[index])

    def _town_match(self, index: int, *, exact: bool) -> PlaceMatch:
        town = self._towns[index]
        region = self._by_slug[town.region_slug]
        kind = PlaceKind.city if self._capital_town.get(region.slug) == index else PlaceKind.town
        return PlaceMatch(region, kind, exact=exact, matched=town.name_ru, town=town)

    def _fuzzy_towns_for(self, words: list[str]) -> list[PlaceMatch]:
        # Loaded on the first misspelt town, not at start-up.
        from rapidfuzz import process  # noqa: PLC0415
        from rapidfuzz.distance import Levenshtein  # noqa: PLC0415

        query = " ".join(_stem(w) for w in words)
        if len(query) < _TYPO_MIN_LEN or any(w in _NO_TYPO for w in words):
            return []
        try:
            probe = query.encode(_KEY_CODEC)
        except UnicodeEncodeError:
            return []
        limit = _typo_limit(len(probe))
        # A typo changes the length by the typos at most; stems shorter than this are not
        # guessed at.
        first, end = self._town_stemmed.span(
            max(len(probe) - limit, _TYPO_MIN_LEN - 1), len(probe) + limit
        )
        results = process.extract(
            probe,
            self._town_stemmed.listed[first:end],
            scorer=Levenshtein.distance,
            score_cutoff=limit,
            limit=None,
        )
        if not results:
            return []
        best = min(score for _key, score, _i in results)
        towns = sorted(
            {
                i
                for _key, score, position in results
                if score == best
                for i in self._town_stemmed.towns(first + position)
            },
            key=lambda i: (-self._towns.population(i), self._towns.name_ru(i)),
        )
        return [self._town_match(i, exact=False) for i in self._one_per_region(towns)]

    def _known(self, word: str) -> bool:
        return word in self._known_words or _stem(word) in self._known_stems

    def _typo_options(self, word: str) -> list[_Option]:
        """Stems the word may be a misspelling of (all at the smallest distance), else itself."""
        stem = _stem(word)
        own = [(word, stem, False)]
        if stem in self._known_stems or word in self._known_words or word in _NO_TYPO:
            return own
        # Loaded on the first misspelt word, not at start-up.
        from rapidfuzz import process  # noqa: PLC0415
        from rapidfuzz.distance import Levenshtein  # noqa: PLC0415

        best = _typo_limit(len(word)) + 1
        stems: set[str] = set()
        for is_stem, (probe, forms) in enumerate(zip((word, stem), self._typo_forms, strict=True)):
            if not _TYPO_MIN_LEN <= len(probe) <= self._longest_probe:
                continue
            near = process.extract(
                probe,
                forms,
                scorer=Levenshtein.distance,
                score_cutoff=_typo_limit(len(probe)),
                limit=None,
            )
            for form, distance, _position in near:
                # The shorter of the two words sets how many typos are believable.
                if distance > min(_typo_limit(min(len(probe), len(form))), best):
                    continue
                if distance < best:
                    best, stems = distance, set()
                stems.add(form if is_stem else _stem(form))
        return [("", s, True) for s in sorted(stems)] if stems else own

    def _scan(self, tokens: list[str], options: list[list[_Option]]) -> list[_Hit]:
        """Longest spans first; a span once matched is not reused by shorter ones."""
        used = [not _is_word(t) for t in tokens]
        hits: list[_Hit] = []
        for size in range(min(self._max_words, len(tokens)), 0, -1):
            for start in range(len(tokens) - size + 1):
                if any(used[start : start + size]):
                    continue
                after = start + size
                beside_marker = (start > 0 and tokens[start - 1] == _MARKER) or (
                    after < len(tokens) and tokens[after] == _MARKER
                )
                unknown_after = (
                    after < len(tokens)
                    and _is_word(tokens[after])
                    and not self._known(tokens[after])
                )
                found: list[_Hit] = []
                for combo in product(*options[start : start + size]):
                    typo = any(opt[2] for opt in combo)
                    words = tuple(opt[0] for opt in combo)
                    entries = None if typo else self._exact.get(words)
                    spelled = entries is not None
                    if entries is None:
                        entries = self._stemmed.get(tuple(opt[1] for opt in combo))
                    for entry in (entries or {}).values():
                        if entry.needs_marker and not beside_marker:
                            continue
                        if entry.truncated and unknown_after:
                            continue
                        found.append(_Hit(entry, size, typo, beside_marker, start, spelled))
                if found:
                    hits.extend(found)
                    for i in range(start, start + size):
                        used[i] = True
        return hits

    @staticmethod
    def _resolve(hits: list[_Hit]) -> PlaceMatch | None:
        if not hits or len({hit.entry.region.slug for hit in hits}) != 1:
            return None
        # The most specific reading wins: no typo, then the city, then the longest span.
        best = max(hits, key=lambda h: (not h.typo, h.entry.kind == PlaceKind.city, h.size))
        entry = best.entry
        matched = entry.official if best.beside_marker and entry.official else entry.matched
        return PlaceMatch(entry.region, entry.kind, exact=not best.typo, matched=matched)
