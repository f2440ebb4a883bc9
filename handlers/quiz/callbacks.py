"""Callback data of this feature. Every field is an enum or a range-checked value, so a forged
payload fails to parse and falls through to the stale-button handler."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class QuizAction(StrEnum):
    answer = "a"
    back = "b"
    pause = "p"


class QuizCb(CallbackData, prefix="q"):
    """A tap inside a quiz; `attempt` and `question` say which question it answers."""

    action: QuizAction
    attempt: str
    question: int
    value: int = 0


class QuizMenuAction(StrEnum):
    choose = "choose"
    start = "start"
    resume = "resume"
    restart = "restart"
    result = "result"
    programs = "programs"  # the programmes of the latest result, below the result message


class InstrumentChoice(StrEnum):
    riasec = "riasec"
    klimov = "klimov"
    none = "-"


class QuizMenuCb(CallbackData, prefix="qm"):
    action: QuizMenuAction
    instrument: InstrumentChoice = InstrumentChoice.none
