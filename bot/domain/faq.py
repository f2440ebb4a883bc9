"""Questions people ask a ЦОПП, with short answers and a source for each: the FAQ.

The packaged list is `bot/data/faq.csv`; admins replace it with a CSV or XLSX file of the same
columns (`read_faq_rows` checks every row and names the bad cells). Pure: no aiogram, no
storage.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from bot.domain.catalogue import packaged_text
from bot.domain.spreadsheets import Table, Value, unescape

COLUMNS = (
    "id",
    "question_ru",
    "question_en",
    "answer_ru",
    "answer_en",
    "patterns_ru",
    "patterns_en",
    "next",
    "source_url",
)
MAX_ANSWER = 700
MAX_QUESTION = 200
MAX_PATTERNS = 2000
MAX_ENTRIES = 500
_ID = re.compile(r"^[a-z0-9_]{1,24}$")
_URL = re.compile(r"^https?://[^\s<>\"]+$")


class NextStep(StrEnum):
    """The button that follows an answer."""

    free_check = "free_check"
    programs = "programs"
    centers = "centers"
    quiz = "quiz"
    consult = "consult"
    none = "none"


@dataclass(frozen=True, slots=True)
class FaqEntry:
    id: str
    question_ru: str
    question_en: str
    answer_ru: str
    answer_en: str
    patterns_ru: tuple[str, ...]
    patterns_en: tuple[str, ...]
    next: NextStep
    source_url: str

    def question(self, locale: str) -> str:
        return self.question_en if locale == "en" else self.question_ru

    def answer(self, locale: str) -> str:
        return self.answer_en if locale == "en" else self.answer_ru

    def phrasings(self) -> tuple[str, ...]:
        """Everything the entry is matched on."""
        return (self.question_ru, self.question_en, *self.patterns_ru, *self.patterns_en)

    def row(self) -> tuple[str, ...]:
        return (
            self.id,
            self.question_ru,
            self.question_en,
            self.answer_ru,
            self.answer_en,
            "|".join(self.patterns_ru),
            "|".join(self.patterns_en),
            self.next.value,
            self.source_url,
        )


class Issue(StrEnum):
    """What is wrong with a cell, a row or the file (the bot words it in the admin's
    language; `value` carries the detail: names, a limit)."""

    missing_columns = "missing_columns"
    unknown_columns = "unknown_columns"
    bad_id = "bad_id"
    repeated_id = "repeated_id"
    empty = "empty"
    too_long = "too_long"
    bad_next = "bad_next"
    bad_url = "bad_url"
    too_many = "too_many"
    no_rows = "no_rows"
    not_xlsx = "not_xlsx"
    not_utf8 = "not_utf8"
    too_big = "too_big"


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    issue: Issue
    value: str = ""


@dataclass(frozen=True, slots=True)
class FaqRead:
    entries: tuple[FaqEntry, ...]
    errors: tuple[RowError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.entries)


def _patterns(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split("|") if p.strip())


def read_faq_rows(  # noqa: PLR0912 - one check per column
    header: Sequence[str], rows: Iterable[Sequence[Value]]
) -> FaqRead:
    """Check a whole table: every problem is named by row and column; no entry is returned
    unless all rows are good."""
    names = [str(h or "").strip().lower() for h in header]
    errors: list[RowError] = []
    missing = [c for c in COLUMNS if c not in names]
    unknown = [n for n in names if n and n not in COLUMNS]
    if missing or unknown:
        if missing:
            errors.append(RowError(1, ", ".join(missing), Issue.missing_columns))
        if unknown:
            errors.append(RowError(1, ", ".join(unknown), Issue.unknown_columns))
        return FaqRead((), tuple(errors))
    entries: list[FaqEntry] = []
    seen: set[str] = set()
    for number, raw in enumerate(rows, start=2):
        cells = {
            name: unescape(str(value).strip()) if value is not None else ""
            for name, value in zip(names, raw, strict=False)
            if name
        }
        if not any(cells.values()):
            continue
        before = len(errors)

        def problem(column: str, issue: Issue, value: object = "", row: int = number) -> None:
            errors.append(RowError(row, column, issue, str(value)))

        entry_id = cells.get("id", "")
        if not _ID.match(entry_id):
            problem("id", Issue.bad_id)
        elif entry_id in seen:
            problem("id", Issue.repeated_id, entry_id)
        seen.add(entry_id)
        for column, limit in (
            ("question_ru", MAX_QUESTION),
            ("question_en", MAX_QUESTION),
            ("answer_ru", MAX_ANSWER),
            ("answer_en", MAX_ANSWER),
        ):
            value = cells.get(column, "")
            if not value:
                problem(column, Issue.empty)
            elif len(value) > limit:
                problem(column, Issue.too_long, limit)
        for column in ("patterns_ru", "patterns_en"):
            if len(cells.get(column, "")) > MAX_PATTERNS:
                problem(column, Issue.too_long, MAX_PATTERNS)
        step = cells.get("next", "") or NextStep.none.value
        if step not in {s.value for s in NextStep}:
            problem("next", Issue.bad_next, ", ".join(s.value for s in NextStep))
        url = cells.get("source_url", "")
        if not _URL.match(url):
            problem("source_url", Issue.bad_url)
        if len(errors) == before:
            entries.append(
                FaqEntry(
                    id=entry_id,
                    question_ru=cells["question_ru"],
                    question_en=cells["question_en"],
                    answer_ru=cells["answer_ru"],
                    answer_en=cells["answer_en"],
                    patterns_ru=_patterns(cells["patterns_ru"]),
                    patterns_en=_patterns(cells["patterns_en"]),
                    next=NextStep(step),
                    source_url=url,
                )
            )
    if len(entries) > MAX_ENTRIES:
        errors.append(RowError(1, "id", Issue.too_many, str(MAX_ENTRIES)))
    if not errors and not entries:
        errors.append(RowError(2, "id", Issue.no_rows))
    return FaqRead(tuple(entries) if not errors else (), tuple(errors))


def read_faq_csv(text: str) -> FaqRead:
    sample = text[:2000]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    rows = list(reader)
    if not rows:
        return FaqRead((), (RowError(1, "id", Issue.no_rows),))
    return read_faq_rows(rows[0], rows[1:])


@cache
def load_faq() -> tuple[FaqEntry, ...]:
    """The packaged FAQ; a broken file stops start-up with its errors."""
    result = read_faq_csv(packaged_text("faq.csv"))
    if not result.ok:
        raise RuntimeError(f"bot/data/faq.csv is invalid: {result.errors[:3]}")
    return result.entries


def faq_table(entries: Iterable[FaqEntry]) -> Table:
    return Table(
        name="faq",
        headers=COLUMNS,
        rows=[entry.row() for entry in entries],
        widths=(14, 40, 40, 60, 60, 50, 50, 12, 40),
    )


def by_id(entries: Iterable[FaqEntry]) -> Mapping[str, FaqEntry]:
    return {entry.id: entry for entry in entries}
