"""Conversation states of this feature (stored durably, so they survive a restart), the keys
it keeps in the conversation data, and reading and writing the progress kept there."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup

from bot.domain.quiz.progress import QuizProgress


class Quiz(StatesGroup):
    answering = State()


class QuizData(StrEnum):
    progress = "quiz"  # `QuizProgress.to_dict()` of the current or paused test


async def load_progress(state: FSMContext) -> QuizProgress | None:
    return QuizProgress.from_dict((await state.get_data()).get(QuizData.progress))


async def save_progress(
    state: FSMContext, progress: QuizProgress | None, data: dict[str, Any] | None = None
) -> None:
    """`data`: the conversation data as just read, which saves reading it again."""
    value = progress.to_dict() if progress else None
    if data is None:
        await state.update_data({QuizData.progress: value})
    else:
        await state.set_data({**data, QuizData.progress: value})


async def has_unfinished_quiz(state: FSMContext) -> bool:
    progress = await load_progress(state)
    return progress is not None and not progress.complete
