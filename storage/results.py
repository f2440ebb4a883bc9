"""Finished quiz results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiosqlite


@dataclass(frozen=True, slots=True)
class ResultRow:
    id: int
    user_id: int
    instrument: str
    answers: list[int]
    scores: dict[str, int]
    code: str | None
    vector: dict[str, float]
    started_at: str
    finished_at: str


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class ResultsRepo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add(
        self,
        *,
        user_id: int,
        instrument: str,
        answers: list[int],
        scores: dict[str, int],
        code: str | None,
        vector: dict[str, float],
        started_at: str,
        attempt: str | None = None,
    ) -> int:
        """The new result's id; for an attempt saved already, that result's id (nothing is
        added)."""
        cursor = await self._conn.execute(
            "INSERT INTO quiz_results (user_id, instrument, answers, scores, code, vector, "
            "started_at, attempt) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (user_id, attempt) WHERE attempt IS NOT NULL DO NOTHING RETURNING id",
            (
                user_id,
                instrument,
                _dump(answers),
                _dump(scores),
                code,
                _dump(vector),
                started_at,
                attempt,
            ),
        )
        row = await cursor.fetchone()
        if row is None:  # this attempt's result is there already
            rows = list(
                await self._conn.execute_fetchall(
                    "SELECT id FROM quiz_results WHERE user_id = ? AND attempt = ?",
                    (user_id, attempt),
                )
            )
            row = rows[0]
        return int(row[0])

    async def delete_all(self, user_id: int) -> None:
        await self._conn.execute("DELETE FROM quiz_results WHERE user_id = ?", (user_id,))

    async def count(self, user_id: int) -> int:
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT count(*) FROM quiz_results WHERE user_id = ?", (user_id,)
            )
        )
        return int(rows[0][0])

    async def by_id(self, result_id: int) -> ResultRow | None:
        async with self._conn.execute(
            "SELECT id, user_id, instrument, answers, scores, code, vector, started_at, "
            "finished_at FROM quiz_results WHERE id = ?",
            (result_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else _result(tuple(row))

    async def latest(self, user_id: int, instrument: str | None = None) -> ResultRow | None:
        query = (
            "SELECT id, user_id, instrument, answers, scores, code, vector, started_at, "
            "finished_at FROM quiz_results WHERE user_id = ?"
        )
        params: tuple[Any, ...] = (user_id,)
        if instrument is not None:
            query += " AND instrument = ?"
            params += (instrument,)
        async with self._conn.execute(query + " ORDER BY id DESC LIMIT 1", params) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return _result(tuple(row))


def _result(row: tuple[Any, ...]) -> ResultRow:
    rid, uid, kind, answers, scores, code, vector, started, finished = row
    return ResultRow(
        id=rid,
        user_id=uid,
        instrument=kind,
        answers=json.loads(answers),
        scores=json.loads(scores),
        code=code,
        vector=json.loads(vector),
        started_at=started,
        finished_at=finished,
    )
