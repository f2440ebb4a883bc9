"""The towns table in flat buffers: `Towns` gives back every row of the packaged file as it
was, the key index finds every key it was given and nothing else, and indexing the table keeps
little memory."""

from __future__ import annotations

import csv
import gc
import tracemalloc
from importlib import resources

import pytest

from bot.domain.catalogue import load_regions
from bot.domain.geo import PlaceIndex, _TownKeys
from bot.domain.towns import Town, Towns, load_towns

# What the indexed table keeps (1.3 MB when this was written; a dict per key form kept 7.4 MB).
KEPT_MB = 3.0


def _rows() -> list[dict[str, str]]:
    with (resources.files("bot") / "data" / "towns.csv").open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_every_row_comes_back_as_it_was_read() -> None:
    rows = _rows()
    towns = load_towns().towns
    assert len(towns) == len(rows)
    for index, row in enumerate(rows):
        town = towns[index]
        assert town == Town(
            int(row["id"]),
            row["name_ru"],
            row["name_en"],
            row["region"],
            float(row["lat"]),
            float(row["lon"]),
            int(row["population"]),
            row["common"] == "1",
        )
        assert towns.name_ru(index) == row["name_ru"]
        assert towns.name_en(index) == row["name_en"]
        assert towns.population(index) == int(row["population"])
        assert towns.region_slug(index) == row["region"]
        assert towns.index_of(int(row["id"])) == index


def test_a_sequence_like_any_other() -> None:
    made = [
        Town(1, "Кунгур", "Kungur", "perm-krai", 57.43, 56.95, 65_000),
        Town(2, "Мирный", "Mirnyy", "sakha-republic", 62.53, 113.96, 35_000, common=True),
        Town(3, "Ё", "Yo", "perm-krai", -1.5, 179.9, 0),
    ]
    towns = Towns(made)
    assert list(towns) == made
    assert towns[-1] == made[-1] and towns[0] == made[0]
    assert list(towns[1:]) == made[1:]
    assert made[1] in towns
    with pytest.raises(IndexError):
        towns[3]
    with pytest.raises(IndexError):
        towns[-4]
    assert towns.index_of(2) == 1 and towns.index_of(4) is None
    assert len(Towns()) == 0 and not Towns()


def test_the_key_index_finds_what_it_was_given_and_nothing_else() -> None:
    texts = ["кунгур", "нижний тагил", "perm", "кунгур", "омск*", "ab", "кунгур"]
    towns = [0, 1, 2, 3, 4, 5, 3]
    keys = _TownKeys()
    for text, town in zip(texts, towns, strict=True):
        keys.add(text, town)
    keys.seal()
    assert keys.get("кунгур") == (0, 3)  # in the order given, a town once
    assert keys.get("нижний тагил") == (1,)
    assert keys.get("perm") == (2,) and keys.get("омск*") == (4,) and keys.get("ab") == (5,)
    for missing in ("", "кунгу", "кунгурр", "perm ", "ω", "a" * 500, "пермь"):
        assert keys.get(missing) == ()
    # By length, then by bytes; a run of lengths is one slice.
    listed = [k.decode("cp1251") for k in keys.listed]
    assert listed == ["ab", "perm", "омск*", "кунгур", "нижний тагил"]
    first, end = keys.span(4, 6)
    assert listed[first:end] == ["perm", "омск*", "кунгур"]
    assert keys.span(7, 11) == (4, 4) and keys.span(100, 200) == (5, 5)
    for position, key in enumerate(keys.listed):
        assert keys.towns(position) == keys.get(key.decode("cp1251"))


def test_an_empty_key_index() -> None:
    keys = _TownKeys()
    keys.seal()
    assert keys.get("кунгур") == () and keys.listed == [] and keys.span(1, 5) == (0, 0)


def test_the_indexed_table_keeps_little() -> None:
    index = PlaceIndex(load_regions(), load_towns)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        index.load_towns()
        gc.collect()
        kept = (tracemalloc.get_traced_memory()[0] - before) / 1e6
    finally:
        tracemalloc.stop()
    assert index.lookup("Кунгур") is not None
    assert kept <= KEPT_MB, f"{kept:.1f} MB"
