"""What a person's programme list is built on: their interests, as one value.

Ranking reads `riasec` (a direction: the RIASEC scores measured from the weakest type, unit
length) and, for the school quiz, `klimov` (the five school-type scores, which programmes are
matched on directly; `riasec` is then the rough map of them, used only to break ties). A flat
result has neither: it gets ways to explore, not a list.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.quiz.scoring import (
    KLIMOV_FLAT_SPREAD,
    KLIMOV_TO_RIASEC,
    KLIMOV_TYPES,
    RIASEC_FLAT_SPREAD,
    RIASEC_TYPES,
)

Vector = tuple[float, float, float, float, float, float]
KlimovBasis = Mapping[str, float]  # the five school-type scores of the school quiz
# A profile whose best type has at most this many of 20 points likes nothing much: flat.
RIASEC_LOW_TOP = 8


class BasisKind(StrEnum):
    riasec = "riasec"  # the adult quiz
    klimov = "klimov"  # the school quiz
    field = "field"  # a field the person picked


def direction(scores: Mapping[str, float]) -> Vector:
    """RIASEC scores as a unit direction measured from the weakest type. All zeros when the
    scores are all equal."""
    values = [max(0.0, float(scores.get(t, 0.0))) for t in RIASEC_TYPES]
    floor = min(values)
    shifted = [v - floor for v in values]
    norm = math.sqrt(sum(v * v for v in shifted))
    if norm == 0:
        return (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    a, b, c, d, e, f = (v / norm for v in shifted)
    return (a, b, c, d, e, f)


@dataclass(frozen=True, slots=True)
class Interests:
    riasec: Vector | None  # None: nothing to rank on (a flat result)
    klimov: KlimovBasis | None  # the school quiz's scores; None for adults and fields
    label: str  # the result's code ('S-A-E', 'people+art'), a field's letter, '' when none
    flat: bool  # an undifferentiated result: no code and no list, ways to explore instead
    kind: BasisKind = BasisKind.riasec

    @property
    def is_field(self) -> bool:
        return self.kind is BasisKind.field


def _riasec_of_klimov(scores: Mapping[str, float]) -> dict[str, float]:
    raw = dict.fromkeys(RIASEC_TYPES, 0.0)
    for school_type, score in scores.items():
        for riasec_type, weight in KLIMOV_TO_RIASEC.get(school_type, {}).items():
            raw[riasec_type] += weight * score
    return raw


def interests_from_scores(instrument: str, scores: Mapping[str, float]) -> Interests | None:
    """The basis of a test result, from its scores; None for an unknown instrument."""
    if instrument == "riasec":
        values = {t: float(scores.get(t, 0)) for t in RIASEC_TYPES}
        top = max(values.values())
        flat = top - min(values.values()) <= RIASEC_FLAT_SPREAD or top <= RIASEC_LOW_TOP
        code = sorted(RIASEC_TYPES, key=lambda t: (-values[t], RIASEC_TYPES.index(t)))[:3]
        return Interests(
            riasec=None if flat else direction(values),
            klimov=None,
            label="" if flat else "-".join(code),
            flat=flat,
            kind=BasisKind.riasec,
        )
    if instrument == "klimov":
        values = {t: float(scores.get(t, 0)) for t in KLIMOV_TYPES}
        top = max(values.values())
        flat = top - min(values.values()) <= KLIMOV_FLAT_SPREAD
        leading = [
            t for t in sorted(KLIMOV_TYPES, key=lambda t: -values[t]) if values[t] >= top - 1
        ]
        return Interests(
            riasec=None if flat else direction(_riasec_of_klimov(values)),
            klimov=None if flat else values,
            label="" if flat else "+".join(leading[:2]),
            flat=flat,
            kind=BasisKind.klimov,
        )
    return None


def field_interests(letter: str) -> Interests | None:
    """A field the person picked (one RIASEC letter); None for anything else."""
    if letter not in RIASEC_TYPES:
        return None
    return Interests(
        riasec=direction({letter: 1.0}),
        klimov=None,
        label=letter,
        flat=False,
        kind=BasisKind.field,
    )


def code_interests(letters: Sequence[str], weights: Sequence[float]) -> Interests | None:
    """A result button that carries only a code ('SAE'), when no saved result is there: the
    letters weighted as given. None when no letter is a RIASEC type."""
    known = [t for t in dict.fromkeys(letters) if t in RIASEC_TYPES]
    if not known:
        return None
    scores = dict(zip(known, weights, strict=False))
    return Interests(
        riasec=direction(scores),
        klimov=None,
        label="-".join(known),
        flat=False,
        kind=BasisKind.riasec,
    )
