"""Ranking of programmes and centres: pure functions, checked by properties."""

from __future__ import annotations

import asyncio
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.catalogue import Format
from bot.domain.eligibility import Answer, load_rules, next_question, verdict
from bot.domain.offer_index import OfferIndex, Recommender
from bot.domain.phones import format_phone, normalize_phone
from bot.domain.ranking import (
    GROWN_UP_MASK,
    SCHOOL_MASK,
    FormatChoice,
    Located,
    Offer,
    Person,
    Preferences,
    StudyLength,
    by_distance,
    fit_label,
    nearest,
    rank,
    study_weeks,
    unit,
    vector_from_code,
    vector_from_scores,
)

PERM = (58.01046, 56.25017)
MOSCOW = (55.75222, 37.61556)


def offer(
    pid: str,
    weights: tuple[float, ...],
    *,
    at: tuple[float, float] | None = PERM,
    fmt: Format | None = Format.in_person,
    free: bool | None = True,
    weeks: int | None = 4,
    audience: int = 0,
) -> Offer:
    a, b, c, d, e, f = unit(weights)
    return Offer(
        program_id=pid,
        center_id=None if at is None else f"center-{pid}",
        format=Format.online if at is None else fmt,
        is_free=free,
        study_weeks=weeks,
        audience=audience,
        unit_weights=(a, b, c, d, e, f),
        lat=None if at is None else at[0],
        lon=None if at is None else at[1],
    )


S_PERSON = Person(vector=vector_from_code("SEA"), lat=PERM[0], lon=PERM[1])


def test_a_clear_s_profile_in_perm_sees_s_programmes_near_perm_first() -> None:
    offers = [
        offer("welding-perm", (0.9, 0.2, 0, 0, 0, 0.3)),
        offer("nurse-perm", (0.2, 0.1, 0.2, 0.9, 0.3, 0.1)),
        offer("nurse-moscow", (0.2, 0.1, 0.2, 0.9, 0.3, 0.1), at=MOSCOW),
        offer("accounting-online", (0, 0.1, 0, 0, 0.2, 0.9), at=None),
        offer("tutor-online", (0, 0.2, 0.1, 0.9, 0.2, 0), at=None),
    ]
    ranked = rank(S_PERSON, Preferences(), offers)
    order = [r.offer.program_id for r in ranked]
    assert order[0] == "nurse-perm"
    assert "nurse-moscow" not in order  # ≈ 1,150 km: out of reach, however well it fits
    assert order.index("tutor-online") < order.index("welding-perm")
    assert order[-1] == "welding-perm"  # fit first: a poor fit next door comes last
    nurse = ranked[0]
    assert nurse.distance_km is not None and nurse.distance_km < 1
    assert fit_label(nurse.fit) == "excellent"
    assert fit_label(ranked[-1].fit) == "maybe"


def test_a_perfect_fit_far_away_is_never_listed() -> None:
    near_poor = offer("near", (1, 0, 0, 0, 0, 0))
    far_perfect = offer("far", (0, 0, 0, 1, 0.6, 0.35), at=MOSCOW)  # ≈ 1,150 km
    ranked = rank(S_PERSON, Preferences(format=FormatChoice.in_person), [near_poor, far_perfect])
    assert [r.offer.program_id for r in ranked] == ["near"]


weights = st.tuples(*[st.floats(0, 1) for _ in range(6)]).filter(lambda w: sum(w) > 0.01)
points = st.tuples(st.floats(42, 70), st.floats(20, 179))
offers_strategy = st.lists(
    st.builds(
        offer,
        st.uuids().map(str),
        weights,
        at=st.one_of(st.none(), points),
        fmt=st.sampled_from([Format.in_person, Format.blended, None]),
        free=st.sampled_from([True, False, None]),
        weeks=st.one_of(st.none(), st.integers(1, 60)),
        audience=st.integers(0, 31),
    ),
    max_size=40,
)
prefs_strategy = st.builds(
    Preferences,
    length=st.sampled_from(list(StudyLength)),
    format=st.sampled_from(list(FormatChoice)),
    free_only=st.booleans(),
)
person_strategy = st.builds(
    lambda w, p, audience: Person(vector=unit(w), lat=p[0], lon=p[1], audience=audience),
    weights,
    points,
    st.sampled_from([SCHOOL_MASK, GROWN_UP_MASK]),
)


@given(person_strategy, prefs_strategy, offers_strategy)
def test_filters_are_never_broken(person: Person, prefs: Preferences, offers: list[Offer]) -> None:
    for item in rank(person, prefs, offers):
        o = item.offer
        if prefs.free_only:
            assert o.is_free is True  # "only free" never shows a paid or unknown-cost one
        if prefs.format is FormatChoice.online:
            assert o.is_online  # "online" never shows an in-person one
        if prefs.format is FormatChoice.in_person:
            assert not o.is_online
        if prefs.max_weeks is not None and o.study_weeks is not None:
            assert o.study_weeks <= prefs.max_weeks
        assert o.audience == 0 or o.audience & person.audience
        assert 0 <= item.fit <= 1


@given(person_strategy, offers_strategy, st.randoms())
def test_order_is_stable_whatever_the_input_order(
    person: Person, offers: list[Offer], shuffler: random.Random
) -> None:
    twins = [offer(f"twin-{i}", (0, 0, 0, 1, 0, 0), at=None) for i in range(4)]  # exact ties
    everything = offers + twins
    shuffled = everything[:]
    shuffler.shuffle(shuffled)
    first = [r.offer.program_id for r in rank(person, Preferences(), everything)]
    second = [r.offer.program_id for r in rank(person, Preferences(), shuffled)]
    assert first == second
    positions = [first.index(t.program_id) for t in twins]
    assert positions == sorted(positions)  # ties: by id


@settings(max_examples=80, deadline=None)
@given(person_strategy, prefs_strategy, offers_strategy, st.integers(1, 12))
def test_the_index_finds_exactly_the_brute_force_top(
    person: Person, prefs: Preferences, offers: list[Offer], limit: int
) -> None:
    twins = [offer(f"twin-{i}", (0, 0, 0, 1, 0, 0)) for i in range(3)]  # exact ties at the cut
    everything = offers + twins
    found = OfferIndex(everything).top(person, prefs, limit)
    expected = rank(person, prefs, everything, limit=limit)
    assert [r.offer.program_id for r in found] == [r.offer.program_id for r in expected]
    assert [r.score for r in found] == [r.score for r in expected]


def test_an_empty_index_and_filters_that_leave_nothing() -> None:
    assert OfferIndex([]).top(S_PERSON, Preferences(), 5) == []
    paid = OfferIndex([offer("paid", (0, 0, 0, 1, 0, 0), free=False)])
    assert paid.top(S_PERSON, Preferences(free_only=True), 5) == []
    assert [r.offer.program_id for r in paid.top(S_PERSON, Preferences(), 5)] == ["paid"]


class VersionedCatalogue:
    def __init__(self, offers: list[Offer]) -> None:
        self.offers, self.version, self.loads = offers, "1", 0

    async def programs_version(self) -> str:
        return self.version

    async def all_offers(self) -> list[Offer]:
        self.loads += 1
        return self.offers


async def test_the_recommender_rebuilds_only_when_the_catalogue_changes() -> None:
    catalogue = VersionedCatalogue([offer("a", (0, 0, 0, 1, 0, 0))])
    recommender = Recommender()
    for _ in range(3):
        assert len(await recommender.top(catalogue, S_PERSON, Preferences(), 5)) == 1
    assert catalogue.loads == 1
    catalogue.offers = [*catalogue.offers, offer("b", (0, 0, 0, 1, 0, 0))]
    catalogue.version = "2"
    assert len(await recommender.top(catalogue, S_PERSON, Preferences(), 5)) == 2
    assert catalogue.loads == 2


class CenterSource:
    def __init__(self, places: list[Located]) -> None:
        self.places = places

    async def centers_near(self, lat: float, lon: float, radius_km: float) -> list[Located]:
        return [n for n in self.places if _within(lat, lon, n, radius_km)]

    async def all_centers(self) -> list[Located]:
        return self.places


def _within(lat: float, lon: float, place: Located, radius_km: float) -> bool:
    from bot.domain.geo import distance_km  # noqa: PLC0415

    return distance_km(lat, lon, place.lat, place.lon) <= radius_km


@settings(max_examples=60, deadline=None)
@given(st.lists(points, max_size=30, unique=True), points, st.integers(1, 6))
def test_nearest_centres_are_the_brute_force_nearest(
    places: list[tuple[float, float]], origin: tuple[float, float], limit: int
) -> None:
    located = [Located(f"c{i}", lat, lon) for i, (lat, lon) in enumerate(places)]
    found = asyncio.run(nearest(CenterSource(located), origin[0], origin[1], limit))
    expected = by_distance(origin[0], origin[1], located)[:limit]
    assert found == expected


def test_a_score_profile_is_measured_from_its_weakest_type() -> None:
    scores = {"R": 5, "I": 6, "A": 12, "S": 18, "E": 10, "C": 5}
    vector = vector_from_scores(scores)
    assert vector[0] == vector[5] == 0 and vector[3] == max(vector)
    assert vector_from_scores(dict.fromkeys("RIASEC", 7)) == (0.0,) * 6


def test_study_weeks_and_codes() -> None:
    assert study_weeks(6, 300) == 6
    assert study_weeks(None, 72) == 4  # 20 hours a week
    assert study_weeks(None, None) is None
    vector = vector_from_code("SAE")
    assert vector[3] > vector[2] > vector[4] > 0
    assert vector[0] == vector[1] == vector[5] == 0


# --- phones and the free-training check -------------------------------------------------------


def test_russian_phone_numbers_in_every_usual_shape() -> None:
    for typed in (
        "+7 (912) 345-67-89",
        "8 912 345 67 89",
        "89123456789",
        "+79123456789",
        "7-912-345-67-89",
        "9123456789",
        " 8(912)345.67.89 ",
    ):
        assert normalize_phone(typed) == "+79123456789", typed
    assert normalize_phone("+7 (495) 123-45-67") == "+74951234567"
    for bad in ("12345", "+1 202 555 0100", "8 012 345 67 89", "телефон", "", "+7912345678901"):
        assert normalize_phone(bad) is None, bad
    assert format_phone("+79123456789") == "+7 912 345-67-89"


def test_the_free_check_stops_at_the_first_yes_and_never_without_an_answer() -> None:
    rules = load_rules()
    questions = rules.questions
    assert 4 <= len(questions) <= 12
    assert rules.source and rules.checked_on
    yes, no = Answer.yes, Answer.no
    assert next_question(questions, []) == 0
    assert next_question(questions, [no]) == 1
    assert next_question(questions, [no, yes]) is None
    assert next_question(questions, [no] * len(questions)) is None
    likely = verdict(questions, [no, yes])
    assert likely.likely and likely.matched == (questions[1],)
    assert not verdict(questions, [no] * len(questions)).likely
