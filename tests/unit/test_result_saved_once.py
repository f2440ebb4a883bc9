"""The last answer of a quiz delivered twice (Telegram posts an update again when the worker
handling it died before confirming it) keeps one result; a new attempt adds one."""

from __future__ import annotations

from typing import Any

from bot.domain.quiz.content import load_quiz_catalog
from bot.domain.quiz.evaluate import evaluate
from bot.services.results import save_result
from storage.db import Database


class Conversation:
    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    async def get_data(self) -> dict[str, Any]:
        return dict(self.data)

    async def set_data(self, data: Any) -> None:
        self.data = dict(data)

    async def update_data(self, data: Any = None, **kwargs: Any) -> dict[str, Any]:
        self.data.update(data or {}, **kwargs)
        return dict(self.data)


async def test_the_same_attempt_saved_twice_is_one_result(db: Database) -> None:
    instrument = load_quiz_catalog().instruments["riasec"]
    answers = [value % 5 for value in range(len(instrument))]
    result = evaluate(instrument, answers)
    async with db.transaction() as tx:
        await tx.users.ensure(9001)
        await tx.users.give_consent(9001, first_name="Аня", last_name=None, username=None)
        person = await tx.users.get(9001)
    assert person is not None
    conversation = Conversation()

    started = "2026-11-30T21:00:00Z"
    for _ in range(2):
        saved = await save_result(db, person, conversation, instrument, answers, result, started)
        assert saved
    async with db.autocommit() as repos:
        assert await repos.results.count(9001) == 1

    # Another attempt (another start, or other answers) is a result of its own.
    later = "2026-11-30T21:10:00Z"
    await save_result(db, person, conversation, instrument, answers, result, later)
    other = [4 - a for a in answers]
    await save_result(
        db, person, conversation, instrument, other, evaluate(instrument, other), later
    )
    async with db.autocommit() as repos:
        assert await repos.results.count(9001) == 3
