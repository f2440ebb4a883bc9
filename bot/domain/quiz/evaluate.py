"""From a finished answer sheet to a result, whichever the instrument."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.quiz.content import Instrument
from bot.domain.quiz.scoring import (
    KlimovResult,
    RiasecResult,
    score_klimov,
    score_riasec,
)

QuizResult = RiasecResult | KlimovResult


def evaluate(instrument: Instrument, answers: Sequence[int]) -> QuizResult:
    if instrument.id == "riasec":
        return score_riasec(instrument.keys, answers)
    return score_klimov(instrument.keys, answers)


def top_types(result: QuizResult) -> tuple[str, ...]:
    """The named types, or when nothing is named, the leaning ones; none for a flat result."""
    return result.reading.named or result.reading.leaning


def result_code(result: QuizResult) -> str | None:
    """'S-A-E' for adults, 'tech+art' for the school quiz: only the types with a clear lead,
    highest first (tied types in the quiz's own order). None when nothing is clearly ahead."""
    named = result.reading.named
    if not named:
        return None
    return "-".join(named) if isinstance(result, RiasecResult) else "+".join(named)
