"""Every programme list respects reach, who may enrol and enrolment dates — over random people
and random catalogues, for the definition (`rank`) and the fast index alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.catalogue import KLIMOV, Audience, Format
from bot.domain.enrolment import STATUS_BITS, AgeBand, Status, ages_admit, window_open
from bot.domain.geo import distance_km
from bot.domain.offer_index import OfferIndex
from bot.domain.ranking import (
    KLIMOV_TIE,
    MIN_FIT,
    NEAR_SHARE,
    FormatChoice,
    Offer,
    Person,
    Preferences,
    StudyLength,
    audience_mask,
    audiences_of,
    klimov_from_scores,
    known_to_exclude,
    may_enrol,
    rank,
    unit,
)

TODAY = date(2026, 11, 30)
REGIONS = ("perm-krai", "sverdlovsk-oblast", "moscow-city", "luhansk-pr")
# Points around Perm, a few hundred km apart at most, so both sides of the reach occur.
points = st.tuples(st.floats(56.0, 60.0), st.floats(52.0, 62.0))
weights = st.tuples(*[st.floats(0, 1) for _ in range(6)]).filter(lambda w: sum(w) > 0.01)
ages = st.one_of(st.none(), st.integers(0, 70))


@st.composite
def offers(draw: st.DrawFn, number: int) -> Offer:
    online = draw(st.booleans())
    at = None if online else draw(points)
    low, high = draw(ages), draw(ages)
    if low is not None and high is not None and low > high:
        low, high = high, low
    return Offer(
        program_id=f"p{number:03d}",
        center_id=None if online else f"c{number}",
        format=Format.online if online else draw(st.sampled_from([Format.in_person, None])),
        is_free=draw(st.sampled_from([True, False, None])),
        study_weeks=draw(st.one_of(st.none(), st.integers(1, 60))),
        audience=audience_mask(draw(st.frozensets(st.sampled_from(Audience), max_size=2))),
        unit_weights=unit(draw(weights)),
        lat=None if at is None else at[0],
        lon=None if at is None else at[1],
        region_slug=None if online else draw(st.sampled_from(REGIONS)),
        klimov=draw(st.one_of(st.none(), st.sampled_from(KLIMOV))),
        min_age=low,
        max_age=high,
        statuses=sum(
            STATUS_BITS[s] for s in draw(st.frozensets(st.sampled_from(Status), max_size=2))
        ),
        residents_only=draw(st.one_of(st.none(), st.sampled_from(REGIONS))),
        enroll_until=draw(
            st.one_of(st.none(), st.dates(TODAY - timedelta(days=400), TODAY + timedelta(400)))
        ),
    )


catalogues = st.integers(0, 30).flatmap(
    lambda n: st.tuples(*[offers(i) for i in range(n)]).map(list)
)


@st.composite
def people(draw: st.DrawFn) -> Person:
    band = draw(st.one_of(st.none(), st.sampled_from(AgeBand)))
    status = draw(st.one_of(st.none(), st.sampled_from(Status)))
    role = draw(st.sampled_from(["student", "adult", "parent", None]))
    place = draw(st.one_of(st.none(), points))
    klimov = draw(st.one_of(st.none(), st.tuples(*[st.integers(0, 8) for _ in KLIMOV])))
    return Person(
        vector=unit(draw(weights)),
        lat=place[0] if place else None,
        lon=place[1] if place else None,
        audience=audiences_of(band, status, role),
        klimov=klimov_from_scores(dict(zip(KLIMOV, klimov, strict=True))) if klimov else None,
        region_slug=draw(st.sampled_from(REGIONS)) if place else None,
        age_band=band,
        status=status,
        today=TODAY,
        reach_km=draw(st.sampled_from([50.0, 150.0, 300.0])),
        min_fit=draw(st.sampled_from([0.0, MIN_FIT])),
    )


preferences = st.builds(
    Preferences,
    length=st.sampled_from(list(StudyLength)),
    format=st.sampled_from(list(FormatChoice)),
    free_only=st.booleans(),
)


def check_listed(person: Person, offer: Offer, fit: float) -> None:
    """What every listed programme must satisfy, said without the ranking code."""
    if not offer.is_online:  # in person: only within reach of a known place
        assert person.lat is not None and person.lon is not None
        assert offer.lat is not None and offer.lon is not None
        far = distance_km(person.lat, person.lon, offer.lat, offer.lon)
        assert offer.region_slug == person.region_slug or far <= person.reach_km + 1e-6
    if offer.audience:
        assert offer.audience & person.audience
    if offer.min_age is not None or offer.max_age is not None:
        band = person.age_band
        assert band is not None
        assert offer.min_age is None or band.min_age >= offer.min_age
        assert offer.max_age is None or (band.max_age or 120) <= offer.max_age
    if offer.statuses:
        assert person.status is not None and offer.statuses & STATUS_BITS[person.status]
    if offer.residents_only is not None:
        assert offer.residents_only == person.region_slug
    assert offer.enroll_until is None or offer.enroll_until >= TODAY
    assert fit >= person.min_fit - 1e-9


@settings(max_examples=150, deadline=None)
@given(people(), preferences, catalogues)
def test_every_list_respects_reach_enrolment_and_dates(
    person: Person, prefs: Preferences, catalogue: list[Offer]
) -> None:
    for item in rank(person, prefs, catalogue):
        check_listed(person, item.offer, item.fit)


@settings(max_examples=100, deadline=None)
@given(people(), preferences, catalogues, st.integers(1, 12))
def test_the_index_lists_exactly_what_rank_lists(
    person: Person, prefs: Preferences, catalogue: list[Offer], limit: int
) -> None:
    found = OfferIndex(catalogue).top(person, prefs, limit)
    expected = rank(person, prefs, catalogue, limit=limit)
    assert [r.offer.program_id for r in found] == [r.offer.program_id for r in expected]
    for item in found:
        check_listed(person, item.offer, item.fit)


@settings(max_examples=100, deadline=None)
@given(people(), preferences, catalogues, st.integers(1, 12))
def test_the_listing_is_online_programmes_exactly_when_nothing_near_fits(
    person: Person, prefs: Preferences, catalogue: list[Offer], limit: int
) -> None:
    found = OfferIndex(catalogue).listing(person, prefs, limit)
    near = prefs.format is FormatChoice.online or bool(
        rank(person, replace(prefs, format=FormatChoice.in_person), catalogue, limit=1)
    )
    shown = prefs if near else replace(prefs, format=FormatChoice.online)
    expected = rank(person, shown, catalogue, limit=limit)
    assert [r.offer.program_id for r in found.ranked] == [r.offer.program_id for r in expected]
    assert found.nothing_near == (not near)
    if found.nothing_near:
        assert all(r.offer.is_online for r in found.ranked)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([AgeBand.under14, AgeBand.teen]), catalogues)
def test_a_school_student_never_sees_an_adult_only_programme(
    band: AgeBand, catalogue: list[Offer]
) -> None:
    pupil = Person(
        vector=unit((1, 1, 1, 1, 1, 1)),
        lat=58.0,
        lon=56.25,
        audience=audiences_of(band, None, "student"),
        region_slug="perm-krai",
        age_band=band,
        status=Status.school,
        today=TODAY,
    )
    adults_only = audience_mask({Audience.adults, Audience.seniors, Audience.students})
    for item in OfferIndex(catalogue).top(pupil, Preferences(), 40):
        offer = item.offer
        assert not (offer.audience and not offer.audience & ~adults_only)
        assert offer.min_age is None or offer.min_age <= band.min_age


def test_a_programme_a_thousand_km_away_is_never_listed_however_well_it_fits() -> None:
    perm = (58.01, 56.25)
    person = Person(vector=unit((0, 0, 0, 1, 0, 0)), lat=perm[0], lon=perm[1],
                    region_slug="perm-krai", today=TODAY)  # fmt: skip
    far = Offer("far", "c1", Format.in_person, True, 4, 0, unit((0, 0, 0, 1, 0, 0)),
                55.75, 37.62, "moscow-city")  # fmt: skip
    near = Offer("near", "c2", Format.in_person, True, 4, 0, unit((0, 0.3, 0, 1, 0.3, 0)),
                 57.43, 56.94, "perm-krai")  # fmt: skip
    assert [r.offer.program_id for r in rank(person, Preferences(), [far, near])] == ["near"]


def test_within_reach_fit_comes_first_and_distance_only_breaks_near_ties() -> None:
    perm = (58.01, 56.25)
    person = Person(vector=unit((0, 0, 0, 1, 0, 0)), lat=perm[0], lon=perm[1],
                    region_slug="perm-krai", today=TODAY)  # fmt: skip
    better_far = Offer("a", "c1", Format.in_person, True, 4, 0, unit((0, 0, 0, 1, 0.2, 0)),
                       57.43, 56.94, "perm-krai")  # ≈ 80 km, fit 0.98  # fmt: skip
    worse_near = Offer("b", "c2", Format.in_person, True, 4, 0, unit((0, 0, 0, 1, 0.6, 0)),
                       58.01, 56.25, "perm-krai")  # next door, fit 0.86  # fmt: skip
    twin_near = Offer("c", "c3", Format.in_person, True, 4, 0, unit((0, 0, 0, 1, 0.2, 0)),
                      58.02, 56.25, "perm-krai")  # fmt: skip
    order = [r.offer.program_id for r in rank(person, Preferences(), [better_far, worse_near,
                                                                      twin_near])]  # fmt: skip
    assert order == ["c", "a", "b"]  # equal fit: nearer first; better fit beats next door
    assert NEAR_SHARE < 0.98 - 0.86


def test_a_school_student_is_ranked_on_klimov_types_with_riasec_only_breaking_ties() -> None:
    klimov = klimov_from_scores({"people": 8, "nature": 6, "tech": 2, "signs": 2, "art": 2})
    pupil = Person(vector=unit((0, 0, 1, 0, 0, 0)), klimov=klimov, audience=0, today=TODAY)

    def online(pid: str, klimov_type: str, riasec: tuple[float, ...]) -> Offer:
        return Offer(pid, None, Format.online, True, 4, 0, unit(riasec), klimov=klimov_type)

    people_poor_riasec = online("nurse", "people", (1, 0, 0, 0, 0, 0))
    people_good_riasec = online("tutor", "people", (0, 0, 1, 0.2, 0, 0))
    art_perfect_riasec = online("design", "art", (0, 0, 1, 0, 0, 0))
    nature = online("garden", "nature", (1, 0, 0, 0, 0, 0))
    ranked = rank(pupil, Preferences(), [art_perfect_riasec, nature, people_poor_riasec,
                                         people_good_riasec])  # fmt: skip
    assert [r.offer.program_id for r in ranked] == ["tutor", "nurse", "garden", "design"]
    assert ranked[0].fit == ranked[1].fit == 1.0  # both of the leading type
    assert ranked[0].score - ranked[1].score <= KLIMOV_TIE
    assert ranked[2].fit == 0.75  # nature: 6 of the best 8


def test_ages_admit_only_when_the_whole_band_is_inside() -> None:
    assert ages_admit(AgeBand.teen, 14, 17)
    assert not ages_admit(AgeBand.teen, 18, None)  # a course from 18: not for 14–17
    assert not ages_admit(AgeBand.middle, None, 35)  # up to 35: not for 35–49
    assert ages_admit(AgeBand.young, None, 35)
    assert ages_admit(AgeBand.senior, 50, None)
    assert not ages_admit(AgeBand.senior, None, 60)  # "50+" may be older than 60
    assert not ages_admit(None, 18, None)  # unknown age never admits to an age rule
    assert ages_admit(None, None, None)


def test_enrolment_that_has_ended_is_closed() -> None:
    assert window_open(None, TODAY)
    assert window_open(TODAY, TODAY)  # the last day still counts
    assert not window_open(TODAY - timedelta(days=1), TODAY)


def test_who_belongs_to_which_audience() -> None:
    school = audience_mask({Audience.school})
    assert audiences_of(AgeBand.teen, None, "student") == school
    assert audiences_of(AgeBand.teen, Status.school, "adult") == school
    assert audiences_of(AgeBand.senior, Status.retired, "adult") == audience_mask(
        {Audience.adults, Audience.seniors}
    )
    assert audiences_of(AgeBand.young, Status.student, "adult") == audience_mask(
        {Audience.students, Audience.adults}
    )
    assert audiences_of(AgeBand.middle, Status.parental_leave, "parent") == audience_mask(
        {Audience.adults, Audience.parents}
    )
    for band in AgeBand:
        for status in Status:
            assert not audiences_of(band, status, "adult") & audience_mask({Audience.teachers})


def test_a_card_warns_only_about_what_the_person_has_said() -> None:
    adults_from_18 = Offer("p", None, Format.online, True, 4, audience_mask({Audience.adults}),
                           unit((1, 0, 0, 0, 0, 0)), min_age=18)  # fmt: skip
    unknown = Person(vector=unit((1, 0, 0, 0, 0, 0)), audience=0, today=TODAY)
    assert not known_to_exclude(unknown, adults_from_18)  # nothing said: no warning
    assert not may_enrol(unknown, adults_from_18)  # …but never in a list either
    pupil = replace(
        unknown, age_band=AgeBand.teen, audience=audiences_of(AgeBand.teen, None, "student")
    )
    assert known_to_exclude(pupil, adults_from_18)
    closed = replace(adults_from_18, min_age=None, audience=0, enroll_until=TODAY - timedelta(1))
    assert known_to_exclude(unknown, closed)
