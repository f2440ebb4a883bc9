"""The free-training check: can the person study for free under the federal program?

The categories are data (`bot/data/eligibility.json`) with the act they come from and the
date they were checked, so they can be edited when the rules change. The check never
promises: the employment service decides.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

LANGUAGES = ("ru", "en")


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    category: dict[str, str]
    question: dict[str, str]
    hint: dict[str, str]


@dataclass(frozen=True, slots=True)
class EligibilityRules:
    source: str
    source_url: str
    checked_on: str
    note: dict[str, str]
    questions: tuple[Question, ...]


@dataclass(frozen=True, slots=True)
class Verdict:
    likely: bool
    matched: tuple[Question, ...]


def _texts(item: dict[str, str], field: str) -> dict[str, str]:
    texts = {lang: str(item.get(f"{field}_{lang}", "")).strip() for lang in LANGUAGES}
    if not all(texts.values()):
        raise ValueError(f"eligibility.json: {item.get('id')!r} lacks {field} in a language")
    return texts


def load_rules() -> EligibilityRules:
    raw = json.loads((resources.files("bot") / "data" / "eligibility.json").read_text("utf-8"))
    questions = tuple(
        Question(
            id=str(item["id"]),
            category=_texts(item, "category"),
            question=_texts(item, "question"),
            hint=_texts(item, "hint"),
        )
        for item in raw["questions"]
    )
    if not 4 <= len(questions) <= 7 or len({q.id for q in questions}) != len(questions):
        raise ValueError("eligibility.json: need 4 to 7 questions with distinct ids")
    return EligibilityRules(
        source=str(raw["source"]),
        source_url=str(raw.get("source_url", "")),
        checked_on=str(raw["checked_on"]),
        note={lang: str(raw[f"note_{lang}"]) for lang in LANGUAGES},
        questions=questions,
    )


def next_question(rules: EligibilityRules, answers: Sequence[bool]) -> int | None:
    """Index of the next question, or None when the check is over: one "yes" is enough,
    otherwise every question gets asked."""
    if any(answers) or len(answers) >= len(rules.questions):
        return None
    return len(answers)


def verdict(rules: EligibilityRules, answers: Sequence[bool]) -> Verdict:
    matched = tuple(q for q, yes in zip(rules.questions, answers, strict=False) if yes)
    return Verdict(likely=bool(matched), matched=matched)
