"""A result names only what the answers show: the clear-lead threshold comes from the scales'
measurement error, ties are ties, and a flat or all-disliked profile names nothing."""

from __future__ import annotations

import itertools
import math
import random
import statistics

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.interests import BasisKind, field_interests, interests_from_scores
from bot.domain.quiz.content import load_quiz_catalog
from bot.domain.quiz.evaluate import result_code
from bot.domain.quiz.scoring import (
    KLIMOV_CLEAR_LEAD,
    KLIMOV_RELIABILITY,
    KLIMOV_SD,
    KLIMOV_TYPES,
    RIASEC_CLEAR_LEAD,
    RIASEC_LIKED_ABOVE,
    RIASEC_RELIABILITY,
    RIASEC_SD,
    RIASEC_TYPES,
    Flat,
    Reading,
    klimov_result,
    riasec_result,
    score_klimov,
    score_riasec,
)

CATALOG = load_quiz_catalog()
RIASEC = CATALOG.instruments["riasec"]
KLIMOV = CATALOG.instruments["klimov"]


# --- where the threshold comes from ------------------------------------------------------------


def adult_respondent(rng: random.Random, dominant: str) -> list[int]:
    """Enjoys one type (3–4), is lukewarm about the rest (0–2 per type), answers half the
    statements one step off that level and one in ten at random."""
    levels = {t: rng.choice((0, 1, 2)) for t in RIASEC_TYPES}
    answers = []
    for item_type in RIASEC.keys:
        answer = rng.choice((3, 4)) if item_type == dominant else levels[item_type]
        if rng.random() < 0.5:
            answer = min(4, max(0, answer + rng.choice((-1, 1))))
        if rng.random() < 0.1:
            answer = rng.randint(0, 4)
        answers.append(answer)
    return answers


def pupil_respondent(rng: random.Random, dominant: str) -> list[int]:
    """Chooses by an order of types with a favourite first; one choice in ten at random."""
    others = [t for t in KLIMOV_TYPES if t != dominant]
    rng.shuffle(others)
    order = [dominant, *others]
    return [
        rng.randint(0, 1) if rng.random() < 0.1 else int(order.index(b) < order.index(a))
        for a, b in KLIMOV.keys
    ]


def sd_and_alpha(item_scores: list[list[int]]) -> tuple[float, float]:
    """The SD of the scale score and Cronbach's α, from people × items."""
    items = len(item_scores[0])
    totals = [sum(person) for person in item_scores]
    item_variance = sum(statistics.pvariance([p[i] for p in item_scores]) for i in range(items))
    total_variance = statistics.pvariance(totals)
    alpha = items / (items - 1) * (1 - item_variance / total_variance)
    return math.sqrt(total_variance), alpha


def test_the_constants_are_what_the_simulated_respondents_give() -> None:
    rng = random.Random(20261130)
    adults = [adult_respondent(rng, RIASEC_TYPES[n % 6]) for n in range(6000)]
    estimates = []
    for scale in RIASEC_TYPES:
        positions = [i for i, t in enumerate(RIASEC.keys) if t == scale]
        estimates.append(sd_and_alpha([[a[i] for i in positions] for a in adults]))
    sd = statistics.mean(e[0] for e in estimates)
    alpha = statistics.mean(e[1] for e in estimates)
    assert abs(sd - RIASEC_SD) < 0.15 and abs(alpha - RIASEC_RELIABILITY) < 0.02

    pupils = [pupil_respondent(rng, KLIMOV_TYPES[n % 5]) for n in range(5000)]
    estimates = []
    for scale in KLIMOV_TYPES:
        positions = [i for i, pair in enumerate(KLIMOV.keys) if scale in pair]
        estimates.append(
            sd_and_alpha([[int(KLIMOV.keys[i][p[i]] == scale) for i in positions] for p in pupils])
        )
    sd = statistics.mean(e[0] for e in estimates)
    alpha = statistics.mean(e[1] for e in estimates)
    assert abs(sd - KLIMOV_SD) < 0.15 and abs(alpha - KLIMOV_RELIABILITY) < 0.03

    # SEM · √2 · 1.645: five points of twenty for adults, three of eight for pupils.
    assert 4 < RIASEC_CLEAR_LEAD < 5 and 2 < KLIMOV_CLEAR_LEAD < 3


# --- the rules, over any answers ---------------------------------------------------------------


def check_reading(
    scores: dict[str, int], reading: Reading, lead: float, liked: int | None, most: int
) -> None:
    named = reading.named
    unnamed = [t for t in scores if t not in named]
    top, bottom = max(scores.values()), min(scores.values())
    flat = top - bottom <= lead or (liked is not None and top <= liked)
    assert (reading.flat is not None) == flat
    if flat:
        assert named == () and reading.leaning == ()
        return
    assert len(named) <= most
    # A named type leads every unnamed one by more than the threshold…
    for a in named:
        for b in unnamed:
            assert scores[a] - scores[b] > lead, (scores, named)
        assert liked is None or scores[a] > liked
    # …so a type level with a named one is named too, and in the same tier: ties are ties.
    for a in named:
        level = [t for t in scores if scores[t] == scores[a]]
        assert all(t in named for t in level)
        tier = next(tier for tier in reading.tiers if a in tier)
        assert all(t in tier for t in level)
    # Tiers are clearly apart; inside a tier, neighbours are not.
    for upper, lower in itertools.pairwise(reading.tiers):
        assert min(scores[t] for t in upper) - max(scores[t] for t in lower) > lead
    for tier in reading.tiers:
        ordered = sorted((scores[t] for t in tier), reverse=True)
        assert all(x - y <= lead for x, y in itertools.pairwise(ordered))
    if not named:
        assert reading.leaning and reading.leaning[0] == reading.ranked[0]
        assert all(top - scores[t] <= lead for t in reading.leaning)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=30, max_size=30))
def test_adult_results_name_only_clear_leads(answers: list[int]) -> None:
    result = score_riasec(RIASEC.keys, answers)
    check_reading(result.scores, result.reading, RIASEC_CLEAR_LEAD, RIASEC_LIKED_ABOVE, 3)
    assert (result_code(result) is None) == (result.code == ())


@settings(max_examples=400, deadline=None)
@given(st.lists(st.integers(0, 1), min_size=20, max_size=20))
def test_school_results_name_only_clear_leads(choices: list[int]) -> None:
    result = score_klimov(KLIMOV.keys, choices)
    check_reading(result.scores, result.reading, KLIMOV_CLEAR_LEAD, None, 2)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(RIASEC_TYPES), st.integers(0, 20), min_size=6))
def test_a_flat_result_gives_nothing_to_rank_on(scores: dict[str, int]) -> None:
    basis = interests_from_scores("riasec", scores)
    assert basis is not None
    assert basis.flat == riasec_result(scores).undifferentiated
    assert (basis.riasec is None) == basis.flat
    assert basis.label == riasec_result(scores).code_text


# --- the cases the issue names ----------------------------------------------------------------


def test_one_strong_type_is_not_padded_to_three() -> None:
    result = riasec_result({"R": 20, "I": 10, "A": 0, "S": 0, "E": 0, "C": 0})
    assert result.code == ("R",)  # I at 10 is «not sure», A is not ahead of anything


def test_everything_disliked_is_flat_and_names_no_type() -> None:
    result = riasec_result({"R": 8, "I": 4, "A": 0, "S": 2, "E": 1, "C": 0})
    assert result.reading.flat is Flat.low and result.code == ()


def test_not_sure_on_every_statement_of_a_type_does_not_make_it_a_leader() -> None:
    # E tied with C, every E answer «not sure», the rest lower: nothing is liked.
    result = riasec_result({"R": 4, "I": 5, "A": 3, "S": 6, "E": 10, "C": 10})
    assert result.code == () and result.reading.flat is Flat.low


def test_a_tie_is_reported_as_a_tie() -> None:
    result = riasec_result({"R": 17, "I": 4, "A": 5, "S": 17, "E": 6, "C": 3})
    assert result.reading.tiers == (("R", "S"),)
    nurse = riasec_result({"R": 6, "I": 12, "A": 12, "S": 19, "E": 8, "C": 7})
    assert nurse.code == ("S",)  # I and A level with each other and with E, C: not named


def test_a_staircase_names_nothing_but_says_where_it_leans() -> None:
    result = riasec_result({"R": 18, "I": 15, "A": 12, "S": 9, "E": 6, "C": 3})
    assert result.code == () and result.reading.flat is None
    assert result.reading.leaning == ("R", "I")


def test_people_and_nature_point_to_medicine_first() -> None:
    result = klimov_result({"people": 7, "nature": 6, "signs": 4, "tech": 2, "art": 1})
    assert result.profiles[0] == "science"
    basis = interests_from_scores("klimov", result.scores)
    assert basis is not None and basis.kind is BasisKind.klimov
    assert basis.klimov == {"nature": 6.0, "tech": 2.0, "people": 7.0, "signs": 4.0, "art": 1.0}
    assert basis.riasec is not None and not basis.flat


def test_a_field_is_one_letter_and_nothing_else() -> None:
    basis = field_interests("S")
    assert basis is not None and basis.is_field and basis.riasec is not None
    assert basis.riasec[RIASEC_TYPES.index("S")] == 1.0
    assert field_interests("X") is None
