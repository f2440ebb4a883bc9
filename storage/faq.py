"""The FAQ in SQLite, and the bookkeeping of free-text data (what was seeded and indexed)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite

from bot.domain.faq import FaqEntry, NextStep

_COLUMNS = (
    "id, question_ru, question_en, answer_ru, answer_en, patterns_ru, patterns_en, next, "
    "source_url"
)


def _entry(row: Sequence[Any]) -> FaqEntry:
    entry_id, q_ru, q_en, a_ru, a_en, p_ru, p_en, step, url = row
    return FaqEntry(
        id=entry_id,
        question_ru=q_ru,
        question_en=q_en,
        answer_ru=a_ru,
        answer_en=a_en,
        patterns_ru=tuple(p for p in p_ru.split("|") if p),
        patterns_en=tuple(p for p in p_en.split("|") if p),
        next=NextStep(step) if step in set(NextStep) else NextStep.none,
        source_url=url,
    )


class FaqRepo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def all(self) -> list[FaqEntry]:
        rows = await self._conn.execute_fetchall(f"SELECT {_COLUMNS} FROM faq ORDER BY position")
        return [_entry(row) for row in rows]

    async def get(self, entry_id: str) -> FaqEntry | None:
        rows = list(
            await self._conn.execute_fetchall(
                f"SELECT {_COLUMNS} FROM faq WHERE id = ?", (entry_id,)
            )
        )
        return _entry(rows[0]) if rows else None

    async def count(self) -> int:
        rows = list(await self._conn.execute_fetchall("SELECT count(*) FROM faq"))
        return int(rows[0][0])

    async def replace(self, entries: Iterable[FaqEntry]) -> None:
        """The whole list at once (call inside a transaction)."""
        await self._conn.execute("DELETE FROM faq")
        await self._conn.executemany(
            f"INSERT INTO faq (position, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(n, *entry.row()) for n, entry in enumerate(entries)],
        )

    async def meta(self, key: str) -> str | None:
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT value FROM free_text_meta WHERE key = ?", (key,)
            )
        )
        return str(rows[0][0]) if rows else None

    async def set_meta(self, key: str, value: str) -> None:
        await self._conn.execute(
            "INSERT INTO free_text_meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
