"""What a person's programme list is built on: their interests, as one value.

Both ways to a list — the button under a test result and `/programs` — build it with
`interests_from_scores` on the scores of the latest result, so they cannot disagree. A field
the person picks is `field_interests`. Ranking reads `riasec` (a direction: the RIASEC scores
measured from the weakest type, unit length) and, for the school quiz, `klimov` (the five
school-type scores 0–8, which programmes are matched on directly; `riasec` is then the rough
map of them, a tie-break). A flat result has neither: it gets ways to explore, not a list.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.quiz.scoring import (
    KLIMOV_TYPES,
    RIASEC_TYPES,
    klimov_result,
    riasec_of_klimov,
    riasec_result,
)

Vector = tuple[float, float, float, float, float, float]
# The five school-type scores of the school quiz, 0–8 each (the Klimov basis).
KlimovBasis = Mapping[str, float]


class BasisKind(StrEnum):
    riasec = "riasec"  # the adult quiz
    klimov = "klimov"  # the school quiz
    field = "field"  # a field the person picked


def direction(scores: Mapping[str, float]) -> Vector:
    """RIASEC scores as a unit direction measured from the weakest type: everyone likes
    something of everything, and without the shift every programme would look similar.
    All zeros when the scores are all equal."""
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
    label: str  # the result's code ('S-A', 'people+art'), a field's letter, '' when none
    flat: bool  # an undifferentiated result: no code and no list, ways to explore instead
    kind: BasisKind = BasisKind.riasec
    # The named types in groups that are not clearly apart (a tie when a group has several).
    tiers: tuple[tuple[str, ...], ...] = field(default=())
    # Nothing named but not flat: the types the answers lean towards.
    leaning: tuple[str, ...] = field(default=())

    @property
    def is_field(self) -> bool:
        return self.kind is BasisKind.field

    @property
    def named(self) -> tuple[str, ...]:
        return tuple(t for tier in self.tiers for t in tier)


def interests_from_scores(instrument: str, scores: Mapping[str, int]) -> Interests | None:
    """The basis of a test result, from its scores; None for an unknown instrument."""
    if instrument == "riasec":
        adult = riasec_result(scores)
        reading = adult.reading
        return Interests(
            riasec=None if reading.flat else direction(adult.scores),
            klimov=None,
            label=adult.code_text,
            flat=reading.flat is not None,
            kind=BasisKind.riasec,
            tiers=reading.tiers,
            leaning=reading.leaning,
        )
    if instrument == "klimov":
        school = klimov_result(scores)
        reading = school.reading
        flat = reading.flat is not None
        return Interests(
            riasec=None if flat else direction(riasec_of_klimov(school.scores)),
            klimov=None if flat else {t: float(school.scores[t]) for t in KLIMOV_TYPES},
            label="+".join(reading.named),
            flat=flat,
            kind=BasisKind.klimov,
            tiers=reading.tiers,
            leaning=reading.leaning,
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
        tiers=((letter,),),
    )


def code_interests(letters: Sequence[str], weights: Sequence[float]) -> Interests | None:
    """An older result button that carried only a code ('SAE'), when the scores behind it are
    gone: the letters weighted as given. None when no letter is a RIASEC type."""
    known = [t for t in dict.fromkeys(letters) if t in RIASEC_TYPES]
    if not known:
        return None
    scores = {t: w for t, w in zip(known, weights, strict=False)}
    return Interests(
        riasec=direction(scores),
        klimov=None,
        label="-".join(known),
        flat=False,
        kind=BasisKind.riasec,
        tiers=tuple((t,) for t in known),
    )
