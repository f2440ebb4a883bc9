"""The packaged occupations file: complete, valid, and every typed name leads to one job."""

from collections import Counter, defaultdict

import pytest

from bot.domain.catalogue import KLIMOV, RIASEC
from bot.domain.occupations import (
    OccupationDataError,
    get_occupation,
    load_occupations,
    parse_occupations,
)

HEADER = (
    "id,name_ru,name_en,synonyms_ru,synonyms_en,riasec,klimov,about_ru,about_en,"
    "copp_ru,copp_en,spo,vuz_ru,vuz_en,fields,keywords\n"
)
GOOD = (
    "welder,Сварщик,Welder,сварной,,RC,tech,Варит. Чинит.,Welds. Fixes.,Курс.,Course.,,,,,сварк\n"
)


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("ё", "е").split())


def test_at_least_150_occupations() -> None:
    assert len(load_occupations()) >= 150


def test_every_interest_type_has_at_least_eight_occupations() -> None:
    occupations = load_occupations()
    by_letter = Counter(letter for o in occupations for letter in o.riasec)
    by_leading = Counter(o.riasec[0] for o in occupations)
    by_klimov = Counter(o.klimov for o in occupations)
    for letter in RIASEC:
        assert by_leading[letter] >= 8, letter
        assert by_letter[letter] >= 8, letter
    for key in KLIMOV:
        assert by_klimov[key] >= 8, key


def test_no_name_or_synonym_belongs_to_two_occupations() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for o in load_occupations():
        for term in (o.name_ru, o.name_en, *o.synonyms_ru, *o.synonyms_en):
            owners[_norm(term)].add(o.id)
    shared = {term: ids for term, ids in owners.items() if len(ids) > 1}
    assert not shared


def test_texts_are_short_and_complete() -> None:
    for o in load_occupations():
        assert o.synonyms_ru, o.id
        assert o.synonyms_en, o.id
        assert o.keywords, o.id
        assert o.fields, o.id
        for text in (o.about_ru, o.about_en):
            assert 1 <= text.count(". ") + 1 <= 3, o.id
            assert len(text) <= 300, o.id
        assert len(o.name_ru) <= 48, o.id
        assert "<" not in o.about_ru + o.copp_ru + o.about_en + o.copp_en


def test_spo_codes_look_like_fgos_codes() -> None:
    for o in load_occupations():
        for item in o.spo:
            code = item.split(" ", 1)[0]
            assert len(code) == 8, (o.id, item)


def test_lookup_by_id() -> None:
    welder = get_occupation("welder")
    assert welder is not None
    assert welder.name_ru == "Сварщик"
    assert any(item.startswith("15.01.05 ") for item in welder.spo)
    assert get_occupation("no-such-job") is None


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (GOOD.replace("welder,", "Welder Two,", 1), "id must be"),
        (GOOD.replace(",RC,", ",RX,"), "riasec"),
        (GOOD.replace(",tech,", ",robots,"), "klimov"),
        (GOOD.replace("Варит. Чинит.", ""), "about_ru is empty"),
        (GOOD + GOOD, "duplicate id"),
        (GOOD.replace(",,,,,сварк", ",15.01 Сварщик,,,,сварк"), "spo item"),
    ],
)
def test_broken_rows_are_named(row: str, message: str) -> None:
    with pytest.raises(OccupationDataError, match=message):
        parse_occupations(HEADER + row)


def test_good_row_parses() -> None:
    (welder,) = parse_occupations(HEADER + GOOD)
    assert welder.synonyms_ru == ("сварной",)
    assert welder.spo == ()
    assert welder.vuz_ru is None


def test_button_labels_fit_a_phone() -> None:
    for o in load_occupations():
        for locale in ("ru", "en"):
            assert 0 < len(o.label(locale)) <= 24, (o.id, locale)
    vet = get_occupation("vet")
    assert vet is not None and vet.label("ru") == "Ветеринарный врач"
