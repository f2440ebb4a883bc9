"""Full-text search tables: SQLite FTS5, or on PostgreSQL ordinary tables with a `tsvector`
column and a GIN index. The text written here is already stemmed (`bot.domain.text_search`):
these queries only store terms and match them (PostgreSQL's 'simple' configuration, which
only splits and lowercases: its own Russian stemmer would stem a second time)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import aiosqlite

from storage.sql import Dialect


def match_expression(terms: Sequence[str], *, every: bool = False) -> str:
    """Any of the terms (`every`: all of them), each quoted (a term is letters and digits
    only, but quoting keeps FTS5 operators such as AND/NOT/NEAR from ever being read as
    syntax)."""
    quoted = ('"' + t.replace('"', '""') + '"' for t in dict.fromkeys(terms) if t)
    return (" AND " if every else " OR ").join(quoted)


def ts_query(terms: Sequence[str], *, every: bool = False) -> str:
    """The same for PostgreSQL's `to_tsquery`: each term quoted as a lexeme."""
    quoted = (
        "'" + t.replace("'", "''").replace("\\", "") + "'" for t in dict.fromkeys(terms) if t
    )
    return (" & " if every else " | ").join(quoted)


class SearchRepo:
    def __init__(self, conn: aiosqlite.Connection, dialect: Dialect = Dialect.sqlite) -> None:
        self._conn = conn
        self._postgres = dialect is Dialect.postgresql

    async def replace_phrases(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """(kind, ref, stemmed body) of every occupation and FAQ phrasing."""
        await self._conn.execute("DELETE FROM search_phrases")
        await self._conn.executemany(
            "INSERT INTO search_phrases (kind, ref, body) VALUES (?, ?, ?)", rows
        )

    async def phrases(self) -> list[tuple[str, str, str]]:
        rows = await self._conn.execute_fetchall("SELECT kind, ref, body FROM search_phrases")
        return [(str(k), str(r), str(b)) for k, r, b in rows]

    async def match_phrases(self, terms: Sequence[str], limit: int) -> list[tuple[str, str, str]]:
        """Phrasings holding any of the terms, best first by BM25."""
        expression = match_expression(terms)
        if not expression:
            return []
        rows = await self._conn.execute_fetchall(
            "SELECT kind, ref, body FROM search_phrases, to_tsquery('simple', ?) AS q "
            "WHERE tsv @@ q ORDER BY ts_rank(tsv, q) DESC, kind, ref LIMIT ?"
            if self._postgres
            else "SELECT kind, ref, body FROM search_phrases WHERE search_phrases MATCH ? "
            "ORDER BY rank LIMIT ?",
            (ts_query(terms) if self._postgres else expression, limit),
        )
        return [(str(k), str(r), str(b)) for k, r, b in rows]

    async def clear_programs(self) -> None:
        await self._conn.execute("DELETE FROM search_programs")

    async def add_programs(self, rows: Iterable[tuple[str, str]]) -> None:
        """(programme id, stemmed title and description)."""
        await self._conn.executemany("INSERT INTO search_programs (ref, body) VALUES (?, ?)", rows)

    async def program_texts(self, after: str, limit: int) -> list[tuple[str, str, str]]:
        """(id, title, description) of programmes in id order after `after`: for indexing in
        pages."""
        rows = await self._conn.execute_fetchall(
            "SELECT id, title, coalesce(description, '') FROM programs WHERE id > ? "
            "ORDER BY id LIMIT ?",
            (after, limit),
        )
        return [(str(i), str(t), str(d)) for i, t, d in rows]

    async def match_programs(self, terms: Sequence[str], limit: int) -> list[str]:
        """Ids of programmes holding all the terms, best first by BM25 (all, not any: on a
        large catalogue a common word matches thousands, and every match is ranked)."""
        expression = match_expression(terms, every=True)
        if not expression:
            return []
        rows = await self._conn.execute_fetchall(
            "SELECT ref FROM search_programs, to_tsquery('simple', ?) AS q "
            "WHERE tsv @@ q ORDER BY ts_rank(tsv, q) DESC, ref LIMIT ?"
            if self._postgres
            else "SELECT ref FROM search_programs WHERE search_programs MATCH ? "
            "ORDER BY rank LIMIT ?",
            (ts_query(terms, every=True) if self._postgres else expression, limit),
        )
        return [str(row[0]) for row in rows]
