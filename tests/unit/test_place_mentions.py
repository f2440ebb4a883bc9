"""Places in free text (strict) and at the place prompt (lenient) with the towns table."""

from __future__ import annotations

import pytest

from bot.domain.catalogue import load_regions
from bot.domain.geo import PlaceIndex
from bot.domain.towns import load_towns


@pytest.fixture(scope="module")
def index() -> PlaceIndex:
    return PlaceIndex(load_regions(), load_towns())


@pytest.mark.parametrize(
    ("text", "town", "slug"),
    [
        ("в Кунгуре", "Кунгур", "perm-krai"),
        ("из Набережных Челнов", "Набережные Челны", "tatarstan-republic"),
        ("живу в Тольятти", "Тольятти", "samara-oblast"),
        ("Мичуринск", "Мичуринск", "tambov-oblast"),
        ("Сочи", "Сочи", "krasnodar-krai"),
        ("Магнитогорск", "Магнитогорск", "chelyabinsk-oblast"),
        ("Билибино", "Билибино", "chukotka-ao"),
        ("Kazan", "Казань", "tatarstan-republic"),
        ("Moscow", "Москва", "moscow-city"),
        ("Perm", "Пермь", "perm-krai"),
        ("Naberezhnye Chelny", "Набережные Челны", "tatarstan-republic"),
        ("Магнитагорск", "Магнитогорск", "chelyabinsk-oblast"),  # a typo
        ("Кунгур, Пермский край", "Кунгур", "perm-krai"),
    ],
)
def test_lookup_finds_towns(index: PlaceIndex, text: str, town: str, slug: str) -> None:
    match = index.lookup(text)
    assert match is not None and match.town is not None
    assert (match.town.name_ru, match.region.slug) == (town, slug)


def test_an_ambiguous_name_gives_every_town_biggest_first(index: PlaceIndex) -> None:
    found = index.find("Ивановка")
    assert len(found) > 3 and index.lookup("Ивановка") is None
    sizes = [m.town.population for m in found if m.town is not None]
    assert sizes == sorted(sizes, reverse=True)


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("я из Перми", "perm-krai"),
        ("живу в Кунгуре", "perm-krai"),
        ("I am from Kazan", "tatarstan-republic"),
        ("Кунгур", "perm-krai"),
        ("мы под Тольятти живём", "samara-oblast"),
    ],
)
def test_mentioned_in_free_text(index: PlaceIndex, text: str, slug: str) -> None:
    assert [m.region.slug for m in index.mentioned(text)][:1] == [slug]


@pytest.mark.parametrize(
    "text",
    [
        "хочу стать сварщиком",
        "где учиться на программиста",
        "сколько стоит обучение?",
        "помогите",
        "хочу учиться в колледже",
        "работа в поле",
        "мирный",  # an ordinary word unless capitalised
        "привет",
    ],
)
def test_free_text_without_a_place(index: PlaceIndex, text: str) -> None:
    assert index.mentioned(text) == []


def test_outside_russia(index: PlaceIndex) -> None:
    assert index.whereabouts(53.9, 27.5667).outside_russia  # Минск
    assert index.whereabouts(0.0, 0.0).outside_russia
    assert index.whereabouts(43.0, 34.0).outside_russia  # the Black Sea, far from shore
    for lat, lon in [
        (54.71, 20.51),  # Калининград
        (44.95, 34.10),  # Симферополь
        (64.73, 177.51),  # Анадырь
        (65.0, -172.0),  # Chukotka east of 180°
        (57.41, 56.97),  # Кунгур
    ]:
        where = index.whereabouts(lat, lon)
        assert not where.outside_russia, (lat, lon)
