"""Rules that decide what a typed message means, given what the search found."""

from __future__ import annotations

import pytest

from bot.domain.intents import (
    Candidate,
    Evidence,
    Intent,
    classify,
    score_phrases,
    small_talk,
)
from bot.domain.text_search import Terms, terms


def occupation(score: float) -> Evidence:
    return Evidence(occupations=(Candidate("occ", "welder", score),))


def faq(score: float) -> Evidence:
    return Evidence(faq=(Candidate("faq", "cost", score),))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("привет", Intent.greeting),
        ("Привет, бот!", Intent.greeting),
        ("спс", Intent.thanks),
        ("thank you", Intent.thanks),
        ("бот тупой", Intent.complaint),
        ("ничего не работает", Intent.complaint),
        ("помогите", Intent.help),
        ("что ты умеешь", Intent.help),
        ("🙂🙂", Intent.other),
        ("абырвалг", Intent.other),
    ],
)
def test_small_talk_and_nonsense(text: str, intent: Intent) -> None:
    assert classify(text, Evidence()) is intent


def test_small_talk_with_a_request_gives_way_to_the_request() -> None:
    assert small_talk("привет хочу стать сварщиком") == (Intent.greeting, False)
    assert classify("привет хочу стать сварщиком", occupation(1.0)) is Intent.occupation
    assert classify("бот тупой где учат на сварщика", occupation(1.0)) is Intent.complaint


def test_question_words_tip_the_balance_towards_the_faq() -> None:
    both = Evidence(
        occupations=(Candidate("occ", "welder", 0.5),), faq=(Candidate("faq", "cost", 0.5),)
    )
    assert classify("сколько стоит сварщик?", both) is Intent.question
    assert classify("хочу стать сварщиком", both) is Intent.occupation


def test_weak_matches_are_not_trusted() -> None:
    assert classify("про сварку", occupation(0.3)) is Intent.other
    assert classify("про цены", faq(0.3)) is Intent.other


def test_a_named_place_wins_unless_something_else_clearly_does() -> None:
    assert classify("я из Перми", Evidence(places=1)) is Intent.place
    strong = Evidence(occupations=(Candidate("occ", "welder", 1.0),), places=1)
    assert classify("хочу стать сварщиком в перми", strong) is Intent.occupation


def test_phrase_scores_cover_the_message_and_the_phrase() -> None:
    phrases = [
        ("occ", "welder", tuple(terms("сварщик"))),
        ("occ", "welder", tuple(terms("газосварщик труб"))),
        ("occ", "cook", tuple(terms("повар"))),
    ]
    others = [(f"other{n}",) for n in range(300)]  # «сварщик» is a rare, telling word
    vocabulary = Terms.of([*(body for _k, _r, body in phrases), *others])
    ranked = score_phrases(terms("хочу стать сварщиком"), phrases, vocabulary)
    assert [(c.ref, c.score) for c in ranked] == [("welder", 1.0)]
    guessed = score_phrases(terms("сварщиком"), phrases, vocabulary, {"сварщик": 0.5})
    assert guessed[0].score < 0.5
    common = Terms.of([*(body for _k, _r, body in phrases), *[("сварщик",)] * 50])
    assert score_phrases(terms("сварщик"), phrases, common)[0].score < 0.5  # too common
