"""Every quiz text in every language fits Telegram's limits: questions, buttons, callback data,
results (every possible code), captions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from itertools import combinations, permutations

import pytest
from aiogram.types import InlineKeyboardMarkup

from bot.domain.quiz.content import load_quiz_catalog
from bot.domain.quiz.progress import QuizProgress
from bot.domain.quiz.scoring import KLIMOV_TYPES, klimov_result, riasec_result
from bot.runtime.i18n import create_i18n
from handlers.quiz import view as quiz_view
from handlers.quiz.callbacks import QuizAction, QuizCb

CATALOG = load_quiz_catalog()
LOCALES = sorted(CATALOG.texts)
I18N = create_i18n("ru")
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024


@contextmanager
def in_locale(locale: str) -> Iterator[None]:
    with I18N.context(), I18N.use_locale(locale):
        yield


def check_keyboard(markup: InlineKeyboardMarkup) -> None:
    for row in markup.inline_keyboard:
        for button in row:
            assert len(button.text) <= 24, button.text
            assert button.callback_data is not None
            assert len(button.callback_data.encode()) <= 64, button.callback_data


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("instrument_id", ["riasec", "klimov"])
def test_every_question_fits(locale: str, instrument_id: str) -> None:
    instrument = CATALOG.instruments[instrument_id]  # type: ignore[index]
    texts = CATALOG.text(locale, instrument.id)
    progress = QuizProgress.start(instrument.id, len(instrument), "2026-11-26T00:00:00Z")
    with in_locale(locale):
        for position in range(len(instrument)):
            progress.position = position
            progress.answers[position] = 1  # as if coming back: the ✓ mark is longest
            text = quiz_view.question_text(texts, instrument, progress)
            assert len(text) <= MESSAGE_LIMIT
            assert f" {position + 1} " in text
            check_keyboard(quiz_view.question_keyboard(instrument, progress))
        for text in (
            quiz_view.paused_text(texts, progress),
            quiz_view.unfinished_text(texts, progress),
        ):
            assert len(text) <= MESSAGE_LIMIT
        check_keyboard(quiz_view.unfinished_keyboard(instrument.id))
        check_keyboard(quiz_view.result_keyboard(instrument.id))
        check_keyboard(quiz_view.resume_keyboard())


@pytest.mark.parametrize("locale", LOCALES)
def test_every_adult_result_fits(locale: str) -> None:
    texts = CATALOG.text(locale, "riasec")
    with in_locale(locale):
        for code in permutations("RIASEC", 3):
            scores = dict(zip(code, (20, 14, 13), strict=True)) | {
                t: 0 for t in "RIASEC" if t not in code
            }
            result = riasec_result(scores)
            assert result.code == code
            text = quiz_view.riasec_result_text(texts, result)
            assert len(text) <= MESSAGE_LIMIT
            assert all(texts.types[t].name in text for t in code)
            caption = quiz_view.result_caption(texts, result)
            assert len(caption) <= CAPTION_LIMIT
        flat = riasec_result(dict.fromkeys("RIASEC", 10))
        assert len(quiz_view.riasec_result_text(texts, flat)) <= MESSAGE_LIMIT
        assert len(quiz_view.result_caption(texts, flat)) <= CAPTION_LIMIT


@pytest.mark.parametrize("locale", LOCALES)
def test_every_school_result_fits(locale: str) -> None:
    texts = CATALOG.text(locale, "klimov")
    leaders = [(t,) for t in KLIMOV_TYPES] + list(combinations(KLIMOV_TYPES, 2))
    with in_locale(locale):
        for leading in leaders:
            scores = dict.fromkeys(KLIMOV_TYPES, 2) | dict.fromkeys(leading, 7)
            result = klimov_result(scores)
            assert set(result.leading) == set(leading)
            text = quiz_view.klimov_result_text(texts, result)
            assert len(text) <= MESSAGE_LIMIT
            assert all(texts.types[t].name in text for t in leading)
            caption = quiz_view.result_caption(texts, result)
            assert len(caption) <= CAPTION_LIMIT


@pytest.mark.parametrize("locale", LOCALES)
def test_chooser_fits(locale: str) -> None:
    with in_locale(locale):
        text = quiz_view.chooser_text({i: CATALOG.text(locale, i) for i in CATALOG.instruments})
        assert len(text) <= MESSAGE_LIMIT
        check_keyboard(quiz_view.chooser_keyboard(school_first=True))


def test_hand_packed_quiz_callback_matches_aiogram_packing() -> None:
    for action in QuizAction:
        packed = quiz_view.quiz_callback(action, "Ab-_9z", 29, 4)
        assert packed == QuizCb(action=action, attempt="Ab-_9z", question=29, value=4).pack()
        assert QuizCb.unpack(packed).question == 29
