"""Scoring of both quizzes: pure functions on plain data, no I/O.

Adult quiz (RIASEC): 30 statements rated 0–4, five per type, so a type scores 0–20. The profile
is the top three types. It is called *undifferentiated* — no type is named — when every answer
was the same, or when the spread between the highest and the lowest type is at most
`RIASEC_FLAT_SPREAD` points (a fifth of the range): interests that even are not a profile yet.

School quiz (Klimov-style): 20 forced choices between two types; each type appears in eight
pairs, so it scores 0–8: 0–2 low, 3–6 moderate, 7–8 pronounced. The 20 points always add up to
20, so an even spread is 4 each; the result is undifferentiated when the spread between the
highest and the lowest type is at most `KLIMOV_FLAT_SPREAD` points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

RIASEC_TYPES: tuple[str, ...] = ("R", "I", "A", "S", "E", "C")
KLIMOV_TYPES: tuple[str, ...] = ("nature", "tech", "people", "signs", "art")
RATING_MAX = 4
RIASEC_FLAT_SPREAD = 4
KLIMOV_FLAT_SPREAD = 2
CODE_LENGTH = 3

# Where a school type points: school profiles to consider, and RIASEC weights, so that both
# quizzes feed the same recommendations.
KLIMOV_PROFILES: dict[str, tuple[str, ...]] = {
    "nature": ("science",),
    "tech": ("tech",),
    "people": ("socio_economic", "humanities"),
    "signs": ("tech", "socio_economic"),
    "art": ("humanities",),
}
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


@dataclass(frozen=True, slots=True)
class RiasecResult:
    scores: dict[str, int]
    code: tuple[str, ...]  # empty when undifferentiated
    undifferentiated: bool

    @property
    def code_text(self) -> str:
        return "-".join(self.code)

    def vector(self) -> dict[str, float]:
        """Scores scaled to 0–1, the shape recommendations compare programmes with."""
        top = 5 * RATING_MAX
        return {t: self.scores[t] / top for t in RIASEC_TYPES}


@dataclass(frozen=True, slots=True)
class KlimovResult:
    scores: dict[str, int]
    leading: tuple[str, ...]  # empty when undifferentiated
    undifferentiated: bool
    profiles: tuple[str, ...]

    def bands(self) -> dict[str, Band]:
        return {t: klimov_band(s) for t, s in self.scores.items()}

    def vector(self) -> dict[str, float]:
        """RIASEC weights derived from the school types, scaled to 0–1."""
        raw = dict.fromkeys(RIASEC_TYPES, 0.0)
        for school_type, score in self.scores.items():
            for riasec_type, weight in KLIMOV_TO_RIASEC[school_type].items():
                raw[riasec_type] += weight * score
        top = max(raw.values()) or 1.0
        return {t: round(v / top, 4) for t, v in raw.items()}


def _ranked(scores: Mapping[str, int], order: Sequence[str]) -> list[str]:
    """Highest first; ties keep the instrument's own type order, so results are stable."""
    return sorted(order, key=lambda t: (-scores[t], order.index(t)))


def score_riasec(item_types: Sequence[str], answers: Sequence[int]) -> RiasecResult:
    """`item_types[i]` is the type of the i-th statement, `answers[i]` its rating 0–4."""
    if len(answers) != len(item_types):
        raise ValueError(f"expected {len(item_types)} answers, got {len(answers)}")
    if any(not 0 <= a <= RATING_MAX for a in answers):
        raise ValueError("ratings must be between 0 and 4")
    scores = dict.fromkeys(RIASEC_TYPES, 0)
    for item_type, answer in zip(item_types, answers, strict=True):
        scores[item_type] += answer
    spread = max(scores.values()) - min(scores.values())
    flat = len(set(answers)) == 1 or spread <= RIASEC_FLAT_SPREAD
    code = () if flat else tuple(_ranked(scores, RIASEC_TYPES)[:CODE_LENGTH])
    return RiasecResult(scores=scores, code=code, undifferentiated=flat)


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
    top = max(scores.values())
    flat = top - min(scores.values()) <= KLIMOV_FLAT_SPREAD
    if flat:
        return KlimovResult(scores, leading=(), undifferentiated=True, profiles=("universal",))
    # The leader, and a close second (one point behind) when there is one.
    ranked = _ranked(scores, KLIMOV_TYPES)
    leading = tuple(t for t in ranked[:2] if scores[t] >= top - 1)
    profiles: list[str] = []
    for school_type in leading:
        for profile in KLIMOV_PROFILES[school_type]:
            if profile not in profiles:
                profiles.append(profile)
    return KlimovResult(scores, leading=leading, undifferentiated=False, profiles=tuple(profiles))
