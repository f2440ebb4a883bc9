"""Test results: kept in the database only with consent, the latest one shown again by
/myresult. Without consent the scores of the latest result stay in the conversation data (which
/forget clears), so the programmes under a result and `/programs` are built on the same scores
either way."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from bot.domain.quiz.content import INSTRUMENTS, Instrument
from bot.domain.quiz.evaluate import QuizResult, result_code
from bot.services.profile import ConversationData
from storage.db import Database
from storage.results import ResultRow
from storage.users import UserRow


class ResultKey(StrEnum):
    unsaved = (
        "unsaved_result"  # {"instrument": ..., "scores": {...}} of a result kept nowhere else
    )


async def save_result(
    db: Database,
    user_row: UserRow,
    conversation: ConversationData,
    instrument: Instrument,
    answers: list[int],
    result: QuizResult,
    started_at: str,
    attempt: str | None = None,
) -> bool:
    """False when the result was not saved (no consent): its scores are kept in the
    conversation data instead. An attempt saved already is not saved again (its last answer
    delivered twice)."""
    if not user_row.has_consent:
        await conversation.update_data(
            {ResultKey.unsaved: {"instrument": instrument.id, "scores": dict(result.scores)}}
        )
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
            attempt=attempt,
        )
    await conversation.update_data({ResultKey.unsaved: None})
    return True


async def latest_result(db: Database, user_id: int) -> ResultRow | None:
    async with db.autocommit() as repos:
        return await repos.results.latest(user_id)


def _scores(raw: object) -> dict[str, int] | None:
    if not isinstance(raw, Mapping):
        return None
    try:
        return {str(k): int(v) for k, v in raw.items()}
    except (TypeError, ValueError):
        return None


async def latest_scores(
    db: Database, user_row: UserRow, conversation: ConversationData
) -> tuple[str, dict[str, int]] | None:
    """The instrument and scores of the person's latest result: the saved one with consent,
    else the one kept in the conversation. None when there is none."""
    if user_row.has_consent:
        row = await latest_result(db, user_row.id)
        if row is not None:
            return row.instrument, {str(k): int(v) for k, v in row.scores.items()}
        return None
    return kept_scores((await conversation.get_data()).get(ResultKey.unsaved))


def kept_scores(kept: object) -> tuple[str, dict[str, int]] | None:
    """The instrument and scores of a result kept in the conversation data (`ResultKey.unsaved`);
    None for anything else."""
    if not isinstance(kept, Mapping) or kept.get("instrument") not in INSTRUMENTS:
        return None
    scores = _scores(kept.get("scores"))
    return (str(kept["instrument"]), scores) if scores is not None else None
