"""Scoring of both quizzes: pure functions on plain data, no I/O.

Adult quiz (RIASEC): 30 statements rated 0–4, five per type, so a type scores 0–20. School quiz
(Klimov-style): 20 forced choices between two types; each type appears in eight pairs, so it
scores 0–8 (0–2 low, 3–6 moderate, 7–8 pronounced) and the five scores add up to 20.

A result names only what the answers show — `read_scores`:

- A type is *clearly ahead* of another when its score is higher by more than `CLEAR_LEAD` of
  its quiz: 1.645 standard errors of a difference (one-sided 95 %). The standard error of one
  scale is SEM = SD · √(1 − reliability); of a difference of two scales, SEM · √2. SD and
  reliability (Cronbach's α) are estimated from simulated respondents (`tests/unit/
  test_honest_result.py` recomputes them): adults answer half the statements one step off their
  level for the type and one in ten at random, which gives SD 5.2 and α 0.87 (published
  five-item interest scales have α ≈ 0.75–0.85); pupils choose by their order of types with one
  choice in ten at random: SD 2.6, α 0.81. So an adult type is clearly ahead by 5 points of 20,
  a school type by 3 points of 8.
- The *code* names the top one, two or three types when every named type is clearly ahead of
  every type left out (the largest such cut). Adult types must also be liked: above 10 of 20,
  the «not sure» level. Named types that are not clearly apart from each other are one *tier*
  and are reported as a tie.
- A result is *flat* when no type is clearly ahead of any other (an even profile), or, for
  adults, when no type is liked at all (every type at most 10 of 20: everything disliked).
- Between the two: not flat, but no clean cut (a staircase of scores). Nothing is named; the
  *leaning* types — those not clearly behind the top one — are said as a leaning.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

RIASEC_TYPES: tuple[str, ...] = ("R", "I", "A", "S", "E", "C")
KLIMOV_TYPES: tuple[str, ...] = ("nature", "tech", "people", "signs", "art")
RATING_MAX = 4
RIASEC_ITEMS = 5
RIASEC_MAX = RIASEC_ITEMS * RATING_MAX
KLIMOV_MAX = 8

# One-sided 95 % of the normal distribution.
Z_CLEAR = 1.645
RIASEC_SD = 5.2
RIASEC_RELIABILITY = 0.87
KLIMOV_SD = 2.6
KLIMOV_RELIABILITY = 0.81
# A named adult type must be liked: on average above «not sure» (2 of 4) on its statements.
RIASEC_LIKED_ABOVE = RIASEC_ITEMS * 2
RIASEC_CODE_MAX = 3
KLIMOV_CODE_MAX = 2


def clear_lead(sd: float, reliability: float, z: float = Z_CLEAR) -> float:
    """How much higher a score must be to be clearly ahead: z standard errors of a difference."""
    sem = sd * math.sqrt(1.0 - reliability)
    return z * sem * math.sqrt(2.0)


RIASEC_CLEAR_LEAD = clear_lead(RIASEC_SD, RIASEC_RELIABILITY)  # ≈ 4.4: 5 points or more
KLIMOV_CLEAR_LEAD = clear_lead(KLIMOV_SD, KLIMOV_RELIABILITY)  # ≈ 2.7: 3 points or more

# Where a school type points: school profiles to consider, and RIASEC weights (a tie-break only:
# programmes are matched on the school types themselves).
KLIMOV_PROFILES: dict[str, tuple[str, ...]] = {
    "nature": ("science",),
    "tech": ("tech",),
    "people": ("socio_economic", "humanities"),
    "signs": ("tech", "socio_economic"),
    "art": ("humanities",),
}
# People and nature together point to medicine first, which the natural-science profile leads to.
MEDICINE = frozenset({"people", "nature"})
KLIMOV_TO_RIASEC: dict[str, dict[str, float]] = {
    "nature": {"R": 0.5, "I": 0.5},
    "tech": {"R": 1.0},
    "people": {"S": 0.6, "E": 0.4},
    "signs": {"C": 0.6, "I": 0.4},
    "art": {"A": 1.0},
}


class Band(StrEnum):
    low = "low"
    moderate = "moderate"
    pronounced = "pronounced"


def klimov_band(score: int) -> Band:
    if score <= 2:
        return Band.low
    if score <= 6:
        return Band.moderate
    return Band.pronounced


class Flat(StrEnum):
    even = "even"  # no type clearly ahead of any other
    low = "low"  # nothing liked: every type at most «not sure»


@dataclass(frozen=True, slots=True)
class Reading:
    """What a set of scores says, and no more."""

    ranked: tuple[str, ...]  # every type, highest first; equal scores in the quiz's own order
    tiers: tuple[tuple[str, ...], ...]  # the named types, in groups not clearly apart
    leaning: tuple[str, ...]  # nothing named, not flat: the types not clearly behind the top
    flat: Flat | None

    @property
    def named(self) -> tuple[str, ...]:
        return tuple(t for tier in self.tiers for t in tier)


def read_scores(
    scores: Mapping[str, int],
    order: Sequence[str],
    lead: float,
    *,
    most: int,
    liked_above: int | None = None,
) -> Reading:
    """Name the types with a clear lead (see the module's notes). `order` breaks ties only in
    the order of `ranked`; tied types are always named together or not at all."""
    ranked = tuple(sorted(order, key=lambda t: (-scores[t], order.index(t))))
    values = [scores[t] for t in ranked]
    top, bottom = values[0], values[-1]
    if liked_above is not None and top <= liked_above:
        return Reading(ranked, (), (), Flat.low)
    if top - bottom <= lead:
        return Reading(ranked, (), (), Flat.even)
    cut = 0
    for size in range(1, min(most, len(ranked) - 1) + 1):
        liked = liked_above is None or values[size - 1] > liked_above
        if liked and values[size - 1] - values[size] > lead:
            cut = size
    if cut == 0:
        leaning = tuple(
            t
            for t in ranked
            if top - scores[t] <= lead and (liked_above is None or scores[t] > liked_above)
        )[:most]
        return Reading(ranked, (), leaning, None)
    tiers: list[list[str]] = [[ranked[0]]]
    for position in range(1, cut):
        if values[position - 1] - values[position] > lead:
            tiers.append([])
        tiers[-1].append(ranked[position])
    return Reading(ranked, tuple(tuple(tier) for tier in tiers), (), None)


def read_riasec(scores: Mapping[str, int]) -> Reading:
    return read_scores(
        scores,
        RIASEC_TYPES,
        RIASEC_CLEAR_LEAD,
        most=RIASEC_CODE_MAX,
        liked_above=RIASEC_LIKED_ABOVE,
    )


def read_klimov(scores: Mapping[str, int]) -> Reading:
    return read_scores(scores, KLIMOV_TYPES, KLIMOV_CLEAR_LEAD, most=KLIMOV_CODE_MAX)


def klimov_profiles(types: Sequence[str]) -> tuple[str, ...]:
    """School profiles for the leading school types; none known: the universal profile."""
    if not types:
        return ("universal",)
    profiles: list[str] = ["science"] if set(types) >= MEDICINE else []
    for school_type in types:
        for profile in KLIMOV_PROFILES[school_type]:
            if profile not in profiles:
                profiles.append(profile)
    return tuple(profiles)


def riasec_of_klimov(scores: Mapping[str, float]) -> dict[str, float]:
    """RIASEC weights derived from the school types, scaled to 0–1 (a rough map)."""
    raw = dict.fromkeys(RIASEC_TYPES, 0.0)
    for school_type, score in scores.items():
        for riasec_type, weight in KLIMOV_TO_RIASEC[school_type].items():
            raw[riasec_type] += weight * score
    top = max(raw.values()) or 1.0
    return {t: round(v / top, 4) for t, v in raw.items()}


@dataclass(frozen=True, slots=True)
class RiasecResult:
    scores: dict[str, int]
    reading: Reading

    @property
    def code(self) -> tuple[str, ...]:
        """The named types, highest first; empty when nothing is clearly ahead."""
        return self.reading.named

    @property
    def code_text(self) -> str:
        return "-".join(self.code)

    @property
    def undifferentiated(self) -> bool:
        return self.reading.flat is not None

    def vector(self) -> dict[str, float]:
        """Scores scaled to 0–1."""
        return {t: self.scores[t] / RIASEC_MAX for t in RIASEC_TYPES}


@dataclass(frozen=True, slots=True)
class KlimovResult:
    scores: dict[str, int]
    reading: Reading

    @property
    def leading(self) -> tuple[str, ...]:
        return self.reading.named

    @property
    def undifferentiated(self) -> bool:
        return self.reading.flat is not None

    @property
    def profiles(self) -> tuple[str, ...]:
        return klimov_profiles(self.reading.named or self.reading.leaning)

    def bands(self) -> dict[str, Band]:
        return {t: klimov_band(s) for t, s in self.scores.items()}

    def vector(self) -> dict[str, float]:
        """RIASEC weights derived from the school types, scaled to 0–1."""
        return riasec_of_klimov(self.scores)


def riasec_result(scores: Mapping[str, int]) -> RiasecResult:
    clean = {t: int(scores.get(t, 0)) for t in RIASEC_TYPES}
    return RiasecResult(clean, read_riasec(clean))


def klimov_result(scores: Mapping[str, int]) -> KlimovResult:
    clean = {t: int(scores.get(t, 0)) for t in KLIMOV_TYPES}
    return KlimovResult(clean, read_klimov(clean))


def score_riasec(item_types: Sequence[str], answers: Sequence[int]) -> RiasecResult:
    """`item_types[i]` is the type of the i-th statement, `answers[i]` its rating 0–4."""
    if len(answers) != len(item_types):
        raise ValueError(f"expected {len(item_types)} answers, got {len(answers)}")
    if any(not 0 <= a <= RATING_MAX for a in answers):
        raise ValueError("ratings must be between 0 and 4")
    scores = dict.fromkeys(RIASEC_TYPES, 0)
    for item_type, answer in zip(item_types, answers, strict=True):
        scores[item_type] += answer
    return riasec_result(scores)


def score_klimov(
    pairs: Sequence[tuple[str, str]], choices: Sequence[Literal[0, 1] | int]
) -> KlimovResult:
    """`pairs[i]` are the types of options A and B; `choices[i]` is 0 for A, 1 for B."""
    if len(choices) != len(pairs):
        raise ValueError(f"expected {len(pairs)} choices, got {len(choices)}")
    scores = dict.fromkeys(KLIMOV_TYPES, 0)
    for (type_a, type_b), choice in zip(pairs, choices, strict=True):
        if choice not in (0, 1):
            raise ValueError("a choice is 0 (option A) or 1 (option B)")
        scores[type_b if choice else type_a] += 1
    return klimov_result(scores)
