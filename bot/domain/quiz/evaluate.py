"""From a finished answer sheet to a result, whichever the instrument."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.quiz.content import Instrument
from bot.domain.quiz.scoring import KlimovResult, RiasecResult, score_klimov, score_riasec

QuizResult = RiasecResult | KlimovResult


def evaluate(instrument: Instrument, answers: Sequence[int]) -> QuizResult:
    if instrument.id == "riasec":
        return score_riasec(instrument.keys, answers)
    return score_klimov(instrument.keys, answers)


def top_types(result: QuizResult) -> tuple[str, ...]:
    return result.code if isinstance(result, RiasecResult) else result.leading


def result_code(result: QuizResult) -> str | None:
    """'S-A-E' for adults, 'tech+art' for the school quiz; None when undifferentiated."""
    if result.undifferentiated:
        return None
    if isinstance(result, RiasecResult):
        return result.code_text
    return "+".join(result.leading)
