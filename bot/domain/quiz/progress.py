"""Where a person is in a quiz: kept in the conversation data, so it survives restarts."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from bot.domain.quiz.content import INSTRUMENTS, InstrumentId

BAR_WIDTH = 10


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = width * done // total if total else 0  # full only when everything is answered
    return "▰" * filled + "▱" * (width - filled)


def new_attempt_id() -> str:
    """Short and random: it goes into every answer button's callback data."""
    return secrets.token_urlsafe(4)


@dataclass(slots=True)
class QuizProgress:
    attempt: str
    instrument: InstrumentId
    answers: list[int | None]
    position: int = 0
    message_id: int | None = None  # the question message edited in place
    started_at: str = ""

    @classmethod
    def start(cls, instrument: InstrumentId, total: int, started_at: str) -> QuizProgress:
        return cls(new_attempt_id(), instrument, [None] * total, started_at=started_at)

    @property
    def total(self) -> int:
        return len(self.answers)

    @property
    def complete(self) -> bool:
        return self.position >= self.total

    def accepts(self, attempt: str, question: int) -> bool:
        """Only the current question of the current attempt takes an answer: a tap on an old
        message, a second tap, or forged data is refused."""
        return attempt == self.attempt and question == self.position and not self.complete

    def answer(self, value: int) -> None:
        self.answers[self.position] = value
        self.position += 1

    def back(self) -> bool:
        if self.position == 0:
            return False
        self.position -= 1
        return True

    def final_answers(self) -> list[int]:
        if any(a is None for a in self.answers):
            raise ValueError("the quiz is not finished")
        return [a for a in self.answers if a is not None]

    def to_dict(self) -> dict[str, Any]:
        # Written by hand: dataclasses.asdict deep-copies recursively and shows up in profiles
        # of the answer path.
        return {
            "attempt": self.attempt,
            "instrument": self.instrument,
            "answers": list(self.answers),
            "position": self.position,
            "message_id": self.message_id,
            "started_at": self.started_at,
        }

    @classmethod
    def from_dict(cls, raw: Any) -> QuizProgress | None:
        """None for anything that is not a well-formed progress record."""
        if not isinstance(raw, dict):
            return None
        try:
            progress = cls(
                attempt=str(raw["attempt"]),
                instrument=raw["instrument"],
                answers=list(raw["answers"]),
                position=int(raw["position"]),
                message_id=raw.get("message_id"),
                started_at=str(raw.get("started_at", "")),
            )
        except (KeyError, TypeError, ValueError):
            return None
        if progress.instrument not in INSTRUMENTS or not 0 <= progress.position <= progress.total:
            return None
        return progress
