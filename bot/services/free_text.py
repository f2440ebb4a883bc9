"""Understanding a message typed where the bot asked nothing in particular, and the search
behind it: occupations, FAQ entries and programmes in SQLite FTS5 with Russian stemming,
synonyms and typo correction (`bot.domain.text_search`).

The phrase index (every phrasing of an occupation or an FAQ entry) is small and rebuilt
whenever the FAQ changes; the programme index follows the catalogue's version and is rebuilt
page by page, so people are answered between the pages.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.domain.faq import FaqEntry
from bot.domain.geo import PlaceIndex, PlaceMatch
from bot.domain.intents import (
    OCCUPATION_MIN,
    Candidate,
    Evidence,
    Intent,
    classify,
    score_phrases,
)
from bot.domain.occupations import Occupation, load_occupations
from bot.domain.text_search import Terms, terms
from bot.services.faq import faq_entries, faq_version
from storage.db import Database

PHRASES_LIMIT = 60  # phrasings read back from FTS5 for one message, best BM25 first
PROGRAMS_PAGE = 2000  # programmes stemmed and written per transaction when reindexing
MAX_TEXT = 500  # longer messages are read only this far
NEAREST = 3  # options offered when the message is not understood
OCC, FAQ = "occ", "faq"
PROGRAMS_INDEXED = "search_programs_version"
# How often the FAQ's version is read back (an admin's import in another process shows after
# this long; in this one at once).
FAQ_CHECK_SECONDS = 5.0


def packaged_occupations() -> tuple[Occupation, ...]:
    return load_occupations()


def occupation_phrasings(occupation: Occupation) -> tuple[str, ...]:
    return (
        occupation.name_ru,
        occupation.name_en,
        *occupation.synonyms_ru,
        *occupation.synonyms_en,
    )


def place_terms(matches: Sequence[PlaceMatch]) -> frozenset[str]:
    """The search terms of the places' names: «повар в Казани» searches for «повар»."""
    found: set[str] = set()
    for match in matches:
        names = [match.matched, match.region.capital_ru, match.region.capital_en]
        if match.town is not None:
            names += [match.town.name_ru, match.town.name_en]
        for name in names:
            found.update(terms(name))
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class Understanding:
    text: str
    intent: Intent
    occupations: tuple[str, ...] = ()  # ids, best first (up to 3)
    faq: FaqEntry | None = None
    places: tuple[PlaceMatch, ...] = ()
    # For «not sure I understood»: the closest occupations and FAQ entries, and programmes
    # whose title or description holds the words (id, title).
    nearest: tuple[Candidate, ...] = ()
    programs: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class FreeText:
    occupations: tuple[Occupation, ...] = ()
    _phrases_key: str | None = None
    _phrases: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    _vocabulary: Terms = field(default_factory=Terms)
    _faq: dict[str, FaqEntry] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _programs_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _occupations_key: str = ""
    _checked_at: float = -math.inf

    @classmethod
    def packaged(cls) -> FreeText:
        return cls(packaged_occupations())

    def __post_init__(self) -> None:
        digest = hashlib.sha256()
        for occupation in self.occupations:
            digest.update("\x1f".join((occupation.id, *occupation_phrasings(occupation))).encode())
        self._occupations_key = digest.hexdigest()[:12]

    # --- the indexes -----------------------------------------------------------------------

    async def refresh(self, db: Database, *, force: bool = False) -> None:
        """Rebuild the phrase index when the FAQ or the occupations changed: the FAQ's
        version is read at most every few seconds, or now with `force`."""
        now = time.monotonic()
        if not force and now - self._checked_at < FAQ_CHECK_SECONDS:
            return
        self._checked_at = now
        key = f"{await faq_version(db)}:{self._occupations_key}"
        if key == self._phrases_key:
            return
        async with self._lock:
            if key == self._phrases_key:
                return
            entries = await faq_entries(db)
            rows: list[tuple[str, str, tuple[str, ...]]] = []
            for occupation in self.occupations:
                rows.extend(
                    (OCC, occupation.id, tuple(terms(p))) for p in occupation_phrasings(occupation)
                )
            for entry in entries:
                rows.extend((FAQ, entry.id, tuple(terms(p))) for p in entry.phrasings())
            rows = [row for row in rows if row[2]]
            async with db.transaction() as tx:
                await tx.search.replace_phrases((k, r, " ".join(b)) for k, r, b in rows)
            self._phrases = rows
            self._vocabulary = Terms.of(body for _k, _r, body in rows)
            self._faq = {entry.id: entry for entry in entries}
            self._phrases_key = key

    async def refresh_programs(self, db: Database) -> bool:
        """Reindex the programmes when the catalogue changed; whether it did."""
        async with db.autocommit() as repos:
            version = await repos.catalogue.programs_version()
            if await repos.faq.meta(PROGRAMS_INDEXED) == version:
                return False
        async with self._programs_lock:
            async with db.autocommit() as repos:
                if await repos.faq.meta(PROGRAMS_INDEXED) == version:
                    return False
            async with db.transaction() as tx:
                await tx.search.clear_programs()
            after = ""
            while True:
                async with db.autocommit() as repos:
                    page = await repos.search.program_texts(after, PROGRAMS_PAGE)
                if not page:
                    break
                rows = [(pid, " ".join(terms(f"{title} {about}"))) for pid, title, about in page]
                async with db.transaction() as tx:
                    await tx.search.add_programs(rows)
                after = page[-1][0]
                await asyncio.sleep(0)
            async with db.autocommit() as repos:
                await repos.faq.set_meta(PROGRAMS_INDEXED, version)
        return True

    # --- asking ------------------------------------------------------------------------------

    def query_terms(self, text: str) -> tuple[list[str], dict[str, float]]:
        """The message's search terms, typos corrected, and which terms are such guesses."""
        return self._vocabulary.corrected(terms(text[:MAX_TEXT]))

    async def candidates(
        self, db: Database, text: str, leave_out: frozenset[str] = frozenset()
    ) -> list[Candidate]:
        """Occupations and FAQ entries for the text, best first; `leave_out`: terms that
        are not searched (a place's name)."""
        await self.refresh(db)
        query, guessed = self.query_terms(text)
        query = [t for t in query if t not in leave_out]
        if not query:
            return []
        async with db.autocommit() as repos:
            found = await repos.search.match_phrases(query, PHRASES_LIMIT)
        rows = [(kind, ref, tuple(body.split())) for kind, ref, body in found]
        return score_phrases(query, rows, self._vocabulary, guessed)

    async def understand(self, db: Database, places: PlaceIndex, text: str) -> Understanding:
        text = text.strip()[:MAX_TEXT]
        named = places.mentioned(text)
        ranked = await self.candidates(db, text, place_terms(named))
        occupations = tuple(c for c in ranked if c.kind == OCC)
        faq = tuple(c for c in ranked if c.kind == FAQ)
        evidence = Evidence(occupations[:3], faq[:3], len(named))
        intent = classify(text, evidence)
        programs: tuple[tuple[str, str], ...] = ()
        if intent is Intent.other and len(ranked) < NEAREST:
            programs = await self.program_titles(
                db, await self.search_programs(db, text, NEAREST - len(ranked))
            )
        return Understanding(
            text=text,
            intent=intent,
            # «повар в Казани»: the place, and the occupation too when it is clear.
            occupations=tuple(c.ref for c in occupations[:3])
            if intent is Intent.occupation
            or (intent is Intent.place and occupations and occupations[0].score >= OCCUPATION_MIN)
            else (),
            faq=self._faq.get(faq[0].ref) if intent is Intent.question and faq else None,
            places=tuple(named),
            nearest=tuple(ranked[:NEAREST]),
            programs=programs,
        )

    def faq_entry(self, entry_id: str) -> FaqEntry | None:
        return self._faq.get(entry_id)

    async def search_programs(self, db: Database, text: str, limit: int = 10) -> list[str]:
        """Programme ids matching the text, best first (the index follows the catalogue)."""
        await self.refresh(db)
        await self.refresh_programs(db)
        query, _guessed = self.query_terms(text)
        if not query or limit <= 0:
            return []
        async with db.autocommit() as repos:
            return await repos.search.match_programs(query, limit)

    @staticmethod
    async def program_titles(db: Database, ids: Sequence[str]) -> tuple[tuple[str, str], ...]:
        async with db.autocommit() as repos:
            found = await repos.catalogue.programs(ids)
        return tuple((pid, found[pid].title) for pid in ids if pid in found)


def occupation_terms(occupation: Occupation) -> Sequence[str]:
    return terms(" ".join(occupation_phrasings(occupation)))
