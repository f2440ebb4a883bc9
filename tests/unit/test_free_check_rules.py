"""The free-training rules file: every category has its source, questions fit the age band,
and someone who lost a job without registering is sent to register first."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from bot.domain.eligibility import (
    Answer,
    answered_by_band,
    load_rules,
    next_question,
    parse_rules,
    questions_for,
    verdict,
)
from bot.domain.enrolment import AgeBand

RULES = load_rules()


def raw_rules() -> dict[str, Any]:
    text = (resources.files("bot") / "data" / "eligibility.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def test_every_category_names_where_it_is_confirmed() -> None:
    assert RULES.source_url.startswith("https://")
    for question in RULES.questions:
        assert question.source_url.startswith(("https://", "http://")), question.id
    ids = {q.id for q in RULES.questions}
    assert {"risk_of_dismissal", "svo_participant", "employment_service"} <= ids


@pytest.mark.parametrize("band", list(AgeBand))
def test_questions_fit_the_age_band(band: AgeBand) -> None:
    asked = questions_for(RULES, band)
    top = band.max_age if band.max_age is not None else 120
    for question in asked:
        assert question.min_age is None or top >= question.min_age
        assert question.max_age is None or band.min_age <= question.max_age
    left_out = [q for q in RULES.questions if q not in asked]
    assert all(not q.applies_to(band) for q in left_out)


def test_a_teenager_is_not_asked_about_pre_retirement_or_parental_leave() -> None:
    ids = [q.id for q in questions_for(RULES, AgeBand.teen)]
    assert "age50" not in ids and "parental_leave" not in ids
    assert "employment_service" in ids and "disability" in ids
    assert [q.id for q in questions_for(RULES, None)] == [q.id for q in RULES.questions]


def test_fifty_and_over_is_the_age_category_itself() -> None:
    age = next(q for q in RULES.questions if q.id == "age50")
    assert answered_by_band(age, AgeBand.senior) is Answer.yes
    assert answered_by_band(age, AgeBand.middle) is None  # pre-retirement: still asked


def test_job_loss_without_registering_leads_to_registering_not_to_no() -> None:
    asked = list(questions_for(RULES, AgeBand.young))
    answers = [Answer.unregistered if q.asks_registration else Answer.no for q in asked]
    result = verdict(asked, answers)
    assert not result.likely and result.register_first
    answers[-1] = Answer.yes  # another category still counts
    result = verdict(asked, answers)
    assert result.likely and not result.register_first
    assert next_question(asked, answers) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["questions"][0].update(min_age="fifty"), "bad min_age"),
        (lambda d: d["questions"][0].update(min_age=60, max_age=20), "min_age above max_age"),
        (lambda d: d["questions"][0].update(source_url="klerk.ru"), "no link"),
        (lambda d: d["questions"].__setitem__(slice(3, None), []), "need 4 to 12"),
    ],
)
def test_a_broken_rules_file_is_refused(change: Any, message: str) -> None:
    data = raw_rules()
    change(data)
    with pytest.raises(ValueError, match=message):
        parse_rules(data)
