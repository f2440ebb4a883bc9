"""Scoring and the instrument files, tested as pure code; simulated respondents check that the
quizzes recover a clear dominant type."""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import pytest

from bot.domain.quiz.content import QuizDataError, data_dir, load_quiz_catalog
from bot.domain.quiz.evaluate import result_code
from bot.domain.quiz.progress import QuizProgress, progress_bar
from bot.domain.quiz.scoring import (
    KLIMOV_TYPES,
    RIASEC_TYPES,
    Band,
    klimov_band,
    score_klimov,
    score_riasec,
)
from locales import directory as locales_directory

CATALOG = load_quiz_catalog()
RIASEC = CATALOG.instruments["riasec"]
KLIMOV = CATALOG.instruments["klimov"]
ORDER = list("RIASEC")


def sheet(per_type: dict[str, int]) -> list[int]:
    """Every statement of a type gets the same rating."""
    return [per_type[t] for t in RIASEC.keys]


def test_riasec_scores_are_exact_for_a_hand_made_sheet() -> None:
    result = score_riasec(RIASEC.keys, sheet({"R": 1, "I": 2, "A": 3, "S": 4, "E": 0, "C": 2}))
    assert result.scores == {"R": 5, "I": 10, "A": 15, "S": 20, "E": 0, "C": 10}
    # I and C tie at 10, which is not liked («not sure» on average): neither is named.
    assert result.code == ("S", "A")
    assert result.code_text == "S-A" and not result.undifferentiated
    assert result.vector()["S"] == 1.0 and result.vector()["E"] == 0.0


def test_riasec_single_changes_move_single_scores() -> None:
    answers = sheet(dict.fromkeys(ORDER, 2))
    answers[0] = 4  # the first statement is an R statement
    assert RIASEC.keys[0] == "R"
    scores = score_riasec(RIASEC.keys, answers).scores
    assert scores == {"R": 12, "I": 10, "A": 10, "S": 10, "E": 10, "C": 10}


@pytest.mark.parametrize("rating", range(5))
def test_identical_answers_are_undifferentiated(rating: int) -> None:
    result = score_riasec(RIASEC.keys, [rating] * 30)
    assert result.undifferentiated and result.code == ()
    assert result_code(result) is None


def test_riasec_flat_threshold_edge() -> None:
    # Spread 4 (a fifth of the 0–20 range) is still flat; spread 5 names a profile.
    flat = score_riasec(RIASEC.keys, sheet({"R": 2, "I": 2, "A": 2, "S": 2, "E": 2, "C": 2}))
    assert flat.undifferentiated
    answers = sheet(dict.fromkeys(ORDER, 2))
    s_positions = [i for i, t in enumerate(RIASEC.keys) if t == "S"]
    for position in s_positions[:4]:
        answers[position] = 3  # S = 14, others 10: spread 4
    assert score_riasec(RIASEC.keys, answers).undifferentiated
    answers[s_positions[4]] = 3  # S = 15: spread 5
    result = score_riasec(RIASEC.keys, answers)
    assert not result.undifferentiated and result.code[0] == "S"


def test_riasec_rejects_wrong_sheets() -> None:
    with pytest.raises(ValueError, match="expected 30"):
        score_riasec(RIASEC.keys, [1, 2])
    with pytest.raises(ValueError, match="between 0 and 4"):
        score_riasec(RIASEC.keys, [5] * 30)


def choices_for(preferred: list[str]) -> list[int]:
    """In every pair pick the option whose type comes first in `preferred`."""
    return [0 if preferred.index(a) < preferred.index(b) else 1 for a, b in KLIMOV.keys]


def test_klimov_scores_bands_profiles_and_weights() -> None:
    result = score_klimov(KLIMOV.keys, choices_for(["tech", "signs", "nature", "art", "people"]))
    assert result.scores == {"tech": 8, "signs": 6, "nature": 4, "art": 2, "people": 0}
    assert sum(result.scores.values()) == 20
    # Two points apart is within the test's error: nothing is named, tech and signs lead.
    assert result.leading == () and result.reading.leaning == ("tech", "signs")
    assert result.bands()["tech"] is Band.pronounced
    assert result.bands()["signs"] is Band.moderate
    assert result.bands()["people"] is Band.low
    assert result.profiles == ("tech", "socio_economic")
    assert result_code(result) is None
    vector = result.vector()
    assert max(vector, key=vector.__getitem__) == "R"


@pytest.mark.parametrize(
    ("score", "band"),
    [(0, Band.low), (2, Band.low), (3, Band.moderate), (6, Band.moderate), (7, Band.pronounced),
     (8, Band.pronounced)],
)  # fmt: skip
def test_klimov_band_edges(score: int, band: Band) -> None:
    assert klimov_band(score) is band


def test_klimov_close_second_is_leading_too() -> None:
    # Scoring works on any pair layout: people 7, art 6 (one behind), signs 4, tech 3.
    pairs = (
        [("people", "nature")] * 7
        + [("art", "tech")] * 6
        + [("signs", "nature")] * 4
        + [("tech", "nature")] * 3
    )
    result = score_klimov(pairs, [0] * 20)
    assert result.scores == {"nature": 0, "tech": 3, "people": 7, "signs": 4, "art": 6}
    assert result.leading == () and result.reading.leaning == ("people", "art")
    assert result.profiles == ("socio_economic", "humanities")
    assert result_code(result) is None


def test_klimov_even_spread_is_undifferentiated() -> None:
    # Alternate A and B: with balanced pairs the scores stay within two points of each other.
    scores_spread = []
    rng = random.Random(3)
    for _ in range(200):
        choices = [rng.randint(0, 1) for _ in KLIMOV.keys]
        result = score_klimov(KLIMOV.keys, choices)
        spread = max(result.scores.values()) - min(result.scores.values())
        scores_spread.append(spread)
        assert result.undifferentiated == (spread <= 2)
        if result.undifferentiated:
            assert result.leading == () and result.profiles == ("universal",)
    assert min(scores_spread) <= 2  # the flat branch was exercised


def test_klimov_rejects_wrong_sheets() -> None:
    with pytest.raises(ValueError, match="expected 20"):
        score_klimov(KLIMOV.keys, [0])
    with pytest.raises(ValueError, match="0 \\(option A\\)"):
        score_klimov(KLIMOV.keys, [2] * 20)


def simulate_riasec(rng: random.Random, dominant: str, noise: float) -> list[int]:
    """A person who clearly enjoys one type, is lukewarm about the rest, and answers 10 % of
    the statements at random."""
    levels = {t: rng.choice((0, 1, 2)) for t in ORDER}
    answers = []
    for item_type in RIASEC.keys:
        answer = rng.choice((3, 4)) if item_type == dominant else levels[item_type]
        if rng.random() < noise:
            answer = rng.randint(0, 4)
        answers.append(answer)
    return answers


def simulate_klimov(rng: random.Random, dominant: str, noise: float) -> list[int]:
    others = [t for t in KLIMOV_TYPES if t != dominant]
    rng.shuffle(others)
    choices = choices_for([dominant, *others])
    return [rng.randint(0, 1) if rng.random() < noise else c for c in choices]


def recovery_rate(instrument: str, respondents: int = 1000, seed: int = 20261126) -> float:
    rng = random.Random(seed)
    types = ORDER if instrument == "riasec" else list(KLIMOV_TYPES)
    hits = 0
    for number in range(respondents):
        dominant = types[number % len(types)]
        if instrument == "riasec":
            reading = score_riasec(RIASEC.keys, simulate_riasec(rng, dominant, 0.10)).reading
        else:
            reading = score_klimov(KLIMOV.keys, simulate_klimov(rng, dominant, 0.10)).reading
        # Named first (alone or tied), or — when nothing is clearly ahead — among the leaning.
        hits += dominant in (reading.tiers[0] if reading.tiers else reading.leaning)
    return hits / respondents


def test_simulated_respondents_recover_the_dominant_type() -> None:
    adult, school = recovery_rate("riasec"), recovery_rate("klimov")
    print(f"dominant type recovered: adult {adult:.1%}, school {school:.1%}")
    assert adult >= 0.95
    assert school >= 0.90


def test_progress_accepts_only_the_current_question() -> None:
    progress = QuizProgress.start("klimov", 20, "2026-11-26T10:00:00Z")
    assert progress.accepts(progress.attempt, 0)
    assert not progress.accepts("other", 0)
    progress.answer(1)
    assert not progress.accepts(progress.attempt, 0)  # a second tap on question 1
    assert progress.back() and progress.position == 0 and progress.answers[0] == 1
    assert not progress.back()
    restored = QuizProgress.from_dict(json.loads(json.dumps(progress.to_dict())))
    assert restored == progress
    assert QuizProgress.from_dict({"attempt": "x"}) is None
    assert QuizProgress.from_dict({**progress.to_dict(), "instrument": "tarot"}) is None
    assert QuizProgress.from_dict({**progress.to_dict(), "position": 99}) is None
    assert progress_bar(0, 30) == "▱" * 10
    assert progress_bar(15, 30) == "▰" * 5 + "▱" * 5
    assert progress_bar(29, 30) == "▰" * 9 + "▱"
    assert progress_bar(30, 30) == "▰" * 10


@pytest.fixture
def broken_copy(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    locales = tmp_path / "locales"
    shutil.copytree(data_dir(), data)
    shutil.copytree(locales_directory(), locales, ignore=shutil.ignore_patterns("*.py*"))
    return data, locales


def edit_json(path: Path, change: object) -> None:
    content = json.loads(path.read_text("utf-8"))
    change(content)  # type: ignore[operator]
    path.write_text(json.dumps(content, ensure_ascii=False), "utf-8")


def test_the_shipped_files_are_valid_and_complete() -> None:
    assert len(RIASEC) == 30 and len(KLIMOV) == 20
    assert set(CATALOG.texts) == {"ru", "en"}
    for by_instrument in CATALOG.texts.values():
        assert set(by_instrument["riasec"].types) == set(RIASEC_TYPES)
        assert set(by_instrument["klimov"].types) == set(KLIMOV_TYPES)
    pairs = [tuple(sorted(pair)) for pair in KLIMOV.keys]
    assert all(pairs.count(p) == 2 for p in set(pairs))  # every pair of types twice


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        ("data/riasec.json", lambda d: d["items"].pop(), "exactly 5 statements"),
        ("data/riasec.json", lambda d: d["items"][0].update(type="X"), "unknown types"),
        ("data/klimov.json", lambda d: d["pairs"][0].update(b=d["pairs"][0]["a"]),
         "against itself"),
        ("data/klimov.json", lambda d: d["pairs"].pop(), "exactly 20 pairs"),
        ("locales/en/quiz.json", lambda d: d["riasec"]["items"].pop("s3"), "riasec.items.s3"),
        ("locales/ru/quiz.json", lambda d: d["klimov"]["options"].update(k7b=" "),
         "klimov.options.k7b"),
        ("locales/en/quiz.json", lambda d: d["klimov"]["types"].pop("art"),
         "klimov.types.art"),
    ],
)  # fmt: skip
def test_a_broken_file_is_named_with_its_problem(
    broken_copy: tuple[Path, Path], file: str, change: object, message: str
) -> None:
    data, locales = broken_copy
    edit_json(data.parent / file, change)
    with pytest.raises(QuizDataError, match=message) as raised:
        load_quiz_catalog(data, locales)
    assert Path(file).name in str(raised.value)


def test_a_language_without_quiz_texts_is_refused(broken_copy: tuple[Path, Path]) -> None:
    data, locales = broken_copy
    (locales / "de" / "LC_MESSAGES").mkdir(parents=True)
    with pytest.raises(QuizDataError, match=re.escape("de/quiz.json: file is missing")):
        load_quiz_catalog(data, locales)


def test_invalid_json_is_reported(broken_copy: tuple[Path, Path]) -> None:
    data, locales = broken_copy
    (data / "riasec.json").write_text("{ not json", "utf-8")
    with pytest.raises(QuizDataError, match="not valid JSON"):
        load_quiz_catalog(data, locales)
