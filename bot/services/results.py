"""Test results: kept only with consent, the latest one shown again by /myresult."""

from __future__ import annotations

from bot.domain.quiz.content import Instrument
from bot.domain.quiz.evaluate import QuizResult, result_code
from storage.db import Database
from storage.results import ResultRow
from storage.users import UserRow


async def save_result(
    db: Database,
    user_row: UserRow,
    instrument: Instrument,
    answers: list[int],
    result: QuizResult,
    started_at: str,
) -> bool:
    """False when nothing was saved: the person has not given consent."""
    if not user_row.has_consent:
        return False
    async with db.autocommit() as repos:
        await repos.results.add(
            user_id=user_row.id,
            instrument=instrument.id,
            answers=answers,
            scores=result.scores,
            code=result_code(result),
            vector=result.vector(),
            started_at=started_at,
        )
    return True


async def latest_result(db: Database, user_id: int) -> ResultRow | None:
    async with db.autocommit() as repos:
        return await repos.results.latest(user_id)
