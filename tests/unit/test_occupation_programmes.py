"""Linking occupations to programmes: the pure match, the programmes within reach, and the
occupations a test result names."""

from __future__ import annotations

from bot.domain.enrolment import AgeBand, Status
from bot.domain.occupations import (
    DESCRIPTION_MATCH,
    Occupation,
    TitleIndex,
    for_klimov,
    for_riasec,
    get_occupation,
    programme_match,
)
from bot.domain.quiz.scoring import klimov_result, riasec_result
from bot.services.occupations import occupation_programmes
from bot.services.profile import Place
from handlers.quiz.view import MAX_JOBS, result_occupations
from storage.db import Database

EKATERINBURG = Place(region_slug="sverdlovsk-oblast", lat=56.8389, lon=60.6057, precision="city")
PERM = Place(region_slug="perm-krai", lat=58.01046, lon=56.25017, precision="city")
NONE = (0.0,) * 6


def _job(occupation_id: str) -> Occupation:
    found = get_occupation(occupation_id)
    assert found is not None
    return found


def test_a_title_naming_the_work_matches() -> None:
    welder = _job("welder")
    assert programme_match(welder, "Сварщик ручной дуговой сварки", None, "tech", NONE) > 1
    assert programme_match(welder, "Швея", None, "art", NONE) == 0
    painter = _job("plasterer_painter")
    assert programme_match(painter, "Маляр-штукатур: отделочные работы", None, None, NONE) > 0


def test_a_stem_must_start_a_word() -> None:
    # «горн…» of a miner is not «Горничная»; «строит…» is not «дорожно-строительных».
    assert programme_match(_job("miner"), "Горничная", None, None, NONE) == 0
    road = "Лаборант по проведению испытаний дорожно-строительных материалов"
    assert programme_match(_job("builder_engineer"), road, None, None, NONE) == 0


def test_a_description_counts_less_than_a_title() -> None:
    cook = _job("cook")
    by_title = programme_match(cook, "Повар", None, None, NONE)
    about = "Курс для будущего повара."
    by_description = programme_match(cook, "Готовим вместе", about, "nature", NONE)
    assert DESCRIPTION_MATCH <= by_description < by_title
    # A word in the description of a programme of another kind is no match.
    assert programme_match(cook, "Готовим вместе", about, "signs", NONE) == 0


def test_agreeing_types_rank_a_match_higher() -> None:
    welder = _job("welder")
    plain = programme_match(welder, "Сварщик", None, None, NONE)
    agreeing = programme_match(welder, "Сварщик", None, "tech", (1.0, 0, 0, 0, 0, 0.5))
    assert agreeing > plain


def test_the_title_index_finds_words_by_their_start() -> None:
    online = (None, True, None, None)
    index = TitleIndex(
        [
            ("a", "Сварщик ручной дуговой сварки", *online),
            ("b", "Маляр-штукатур: отделочные работы", *online),
            ("c", "Горничная", *online),
            ("d", "Охрана труда для руководителей", *online),
            ("e", "Ёлочные игрушки", *online),
        ]
    )
    assert index.candidates(_job("welder")) == ["a"]
    assert index.candidates(_job("plasterer_painter")) == ["b"]
    assert index.candidates(_job("miner")) == []
    assert index.candidates(_job("safety_engineer")) == ["d"]  # «охран труд»: a phrase
    assert index.candidates(_job("security_guard")) == []


def test_the_title_index_keeps_what_is_near_and_finds_the_nearest() -> None:
    index = TitleIndex(
        [
            ("ekb", "Сварщик", "sverdlovsk-oblast", False, 56.84, 60.61),
            ("perm", "Сварщик", "perm-krai", False, 58.01, 56.25),
            ("web", "Сварщик: онлайн", None, True, None, None),
            ("far", "Сварщик", "primorsky-krai", False, 43.12, 131.89),
        ]
    )
    welder = _job("welder")
    box = (57.5, 58.5, 55.5, 57.0)  # around Пермь
    assert index.candidates(welder, region="perm-krai", box=box) == ["perm", "web"]
    assert index.candidates(welder, region="sverdlovsk-oblast", box=box) == [
        "ekb",
        "perm",
        "web",
    ]
    assert index.online(welder) == ["web"]
    assert index.nearest(welder, 58.01, 56.25, 2) == ["perm", "ekb"]


async def test_welding_programmes_within_reach_of_ekaterinburg(db: Database) -> None:
    found = await occupation_programmes(db, _job("welder"), EKATERINBURG, None)
    assert not found.needs_place
    assert [program.id for _r, program, _c in found.items][:1] == ["sample-001"]
    _ranked, program, center = found.items[0]
    assert center is not None and center.region_slug == "sverdlovsk-oblast"
    assert "Сварщик" in program.title


async def test_out_of_reach_is_counted_not_listed(db: Database) -> None:
    found = await occupation_programmes(db, _job("welder"), PERM, None)
    in_person = [p for _r, p, c in found.items if c is not None]
    assert not in_person and found.elsewhere >= 1
    assert found.nearest is not None
    program, center, distance = found.nearest
    assert program.id == "sample-001" and center.region_slug == "sverdlovsk-oblast"
    assert 250 < distance < 350  # Пермь — Екатеринбург


async def test_what_the_person_told_rules_programmes_out(db: Database) -> None:
    # The Екатеринбург welding course is for adults: not for a 15-year-old at school.
    found = await occupation_programmes(
        db,
        _job("welder"),
        EKATERINBURG,
        "student",
        age_band=AgeBand.teen,
        status=Status.school,
    )
    assert "sample-001" not in [p.id for _r, p, _c in found.items]


async def test_without_a_place_only_online_and_the_place_is_needed(db: Database) -> None:
    found = await occupation_programmes(db, _job("welder"), None, None)
    assert found.needs_place
    assert all(c is None for _r, _p, c in found.items)


def test_results_name_occupations_led_by_their_types() -> None:
    jobs = for_riasec({"S": 3, "A": 2}, ("S", "A"))
    assert [o.riasec[0] for o in jobs] == ["S", "S", "S", "A", "A"]
    assert all("A" in o.riasec for o in jobs[:3])  # those that are also A come first
    school = for_klimov(("nature",), 3)
    assert len(school) == 3 and all(o.klimov == "nature" and o.spo for o in school)


def test_a_flat_result_names_no_occupations() -> None:
    flat = riasec_result(dict.fromkeys("RIASEC", 10))
    assert result_occupations(flat) == ()
    clear = riasec_result({"R": 20, "I": 6, "A": 2, "S": 4, "E": 3, "C": 12})
    jobs = result_occupations(clear)
    assert 3 <= len(jobs) <= MAX_JOBS and jobs[0].riasec[0] == "R"
    school = klimov_result({"tech": 8, "signs": 2, "nature": 3, "art": 1, "people": 2})
    assert all(o.klimov == "tech" for o in result_occupations(school))
