"""Generated from the towns table: every settlement is found by its name and by its name in the
prepositional case («в Кунгуре»), and every region's capital maps to its region."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from bot.domain.catalogue import load_regions
from bot.domain.geo import PlaceIndex, PlaceKind
from bot.domain.towns import load_towns

REGIONS = load_regions()
TABLE = load_towns()
TARGET = 0.98


@pytest.fixture(scope="module")
def index() -> PlaceIndex:
    return PlaceIndex(REGIONS, TABLE)


def test_every_town_resolves_to_its_region(index: PlaceIndex) -> None:
    with (resources.files("bot") / "data" / "towns.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    checked = resolved = 0
    misses: list[str] = []
    for row in rows:
        prepositional = row["forms_ru"].split("|")[0]  # the build writes it first
        for text in (row["name_ru"], "в " + prepositional):
            checked += 1
            found = index.find(text)
            if any(m.region.slug == row["region"] for m in found):
                resolved += 1
            else:
                misses.append(
                    f"{text} ({row['region']}) → {[m.region.slug for m in found][:3] or 'nothing'}"
                )
    share = resolved / checked
    print(f"\ntowns: {resolved}/{checked} forms resolve to their region ({share:.2%})")
    print("misses:\n  " + "\n  ".join(misses))
    assert share >= TARGET, f"{share:.2%} < {TARGET:.0%}; misses: {misses[:50]}"


def test_every_capital_maps_to_its_region(index: PlaceIndex) -> None:
    for region in REGIONS:
        capital = index.capital_town(region)
        assert capital is not None, region.slug
        assert capital.region_slug == region.slug
        match = index.lookup(region.capital_ru)
        assert match is not None and match.region == region, region.capital_ru
        assert match.kind is PlaceKind.city and match.town == capital


def test_the_table_covers_every_region() -> None:
    assert {t.region_slug for t in TABLE.towns} == {r.slug for r in REGIONS}
    assert len(TABLE.towns) > 4900
