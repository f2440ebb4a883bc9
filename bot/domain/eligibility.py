"""The free-training check: can the person study for free under the federal programme?

The categories are data (`bot/data/eligibility.json`) with the act they come from, where each
category is confirmed (`source_url`) and the date they were checked, so they can be edited when
the rules change. The questions adapt to the person's age band: a question is asked only when
the band overlaps its `min_age`–`max_age` (a 15-year-old is not asked about pre-retirement),
and a band of 50+ answers the age question by itself. Someone who lost a job but is not
registered with the employment service yet is told how to register, not «probably not». The
check never promises: the employment service decides.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

from bot.domain.enrolment import AgeBand

LANGUAGES = ("ru", "en")
MIN_QUESTIONS = 4
MAX_QUESTIONS = 12
# The question whose «yes» the band 50+ already gives, and the one that has a third answer
# for people who lost a job but have not registered with the employment service yet.
AGE_QUESTION = "age50"
AGE_QUESTION_FROM = 50
REGISTRATION_QUESTION = "employment_service"


class Answer(StrEnum):
    yes = "y"
    no = "n"
    unregistered = "u"  # lost a job, not registered with the employment service yet


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    category: dict[str, str]
    question: dict[str, str]
    hint: dict[str, str]
    source_url: str = ""
    min_age: int | None = None
    max_age: int | None = None

    @property
    def asks_registration(self) -> bool:
        return self.id == REGISTRATION_QUESTION

    def applies_to(self, band: AgeBand | None) -> bool:
        """Whether the question can apply to someone of this age band (unknown: it can)."""
        if band is None:
            return True
        band_max = band.max_age if band.max_age is not None else 200
        too_young = self.max_age is not None and band.min_age > self.max_age
        too_old = self.min_age is not None and band_max < self.min_age
        return not (too_young or too_old)


@dataclass(frozen=True, slots=True)
class EligibilityRules:
    source: str
    source_url: str
    checked_on: str
    note: dict[str, str]
    questions: tuple[Question, ...]

    def by_id(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True, slots=True)
class Verdict:
    likely: bool
    matched: tuple[Question, ...]
    # Lost a job, not registered, and no other category: the steps to register come first.
    register_first: bool = False


def _texts(item: dict[str, Any], field: str) -> dict[str, str]:
    texts = {lang: str(item.get(f"{field}_{lang}", "")).strip() for lang in LANGUAGES}
    if not all(texts.values()):
        raise ValueError(f"eligibility.json: {item.get('id')!r} lacks {field} in a language")
    return texts


def _age(item: dict[str, Any], field: str) -> int | None:
    value = item.get(field)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 120:
        raise ValueError(f"eligibility.json: {item.get('id')!r} has a bad {field}: {value!r}")
    return value


def _question(item: dict[str, Any]) -> Question:
    question = Question(
        id=str(item["id"]),
        category=_texts(item, "category"),
        question=_texts(item, "question"),
        hint=_texts(item, "hint"),
        source_url=str(item.get("source_url", "")).strip(),
        min_age=_age(item, "min_age"),
        max_age=_age(item, "max_age"),
    )
    if question.source_url and not question.source_url.startswith(("https://", "http://")):
        raise ValueError(f"eligibility.json: {question.id!r} has a source_url that is no link")
    if (
        question.min_age is not None
        and question.max_age is not None
        and question.min_age > question.max_age
    ):
        raise ValueError(f"eligibility.json: {question.id!r} has min_age above max_age")
    return question


def parse_rules(raw: dict[str, Any]) -> EligibilityRules:
    questions = tuple(_question(item) for item in raw["questions"])
    count_ok = MIN_QUESTIONS <= len(questions) <= MAX_QUESTIONS
    if not count_ok or len({q.id for q in questions}) != len(questions):
        raise ValueError(
            f"eligibility.json: need {MIN_QUESTIONS} to {MAX_QUESTIONS} questions with "
            "distinct ids"
        )
    return EligibilityRules(
        source=str(raw["source"]),
        source_url=str(raw.get("source_url", "")),
        checked_on=str(raw["checked_on"]),
        note={lang: str(raw[f"note_{lang}"]) for lang in LANGUAGES},
        questions=questions,
    )


def load_rules() -> EligibilityRules:
    text = (resources.files("bot") / "data" / "eligibility.json").read_text("utf-8")
    return parse_rules(json.loads(text))


def questions_for(rules: EligibilityRules, band: AgeBand | None) -> tuple[Question, ...]:
    """The questions to ask someone of this age band, in the file's order."""
    return tuple(q for q in rules.questions if q.applies_to(band))


def answered_by_band(question: Question, band: AgeBand | None) -> Answer | None:
    """An answer the age band already gives: 50+ is the age category itself."""
    if question.id == AGE_QUESTION and band is not None and band.min_age >= AGE_QUESTION_FROM:
        return Answer.yes
    return None


def next_question(questions: Sequence[Question], answers: Sequence[Answer]) -> int | None:
    """Index of the next question, or None when the check is over: one «yes» is enough,
    otherwise every question gets asked."""
    if Answer.yes in answers or len(answers) >= len(questions):
        return None
    return len(answers)


def verdict(questions: Sequence[Question], answers: Sequence[Answer]) -> Verdict:
    matched = tuple(
        q for q, answer in zip(questions, answers, strict=False) if answer is Answer.yes
    )
    unregistered = Answer.unregistered in answers
    return Verdict(
        likely=bool(matched), matched=matched, register_first=unregistered and not matched
    )
