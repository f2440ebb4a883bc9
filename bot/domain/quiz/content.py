"""The quizzes as data: keying in `bot/quiz/data/*.json`, texts in `locales/<lang>/quiz.json`.

Everything is checked when the bot starts, so a broken file stops start-up with a message that
names the file and the problem instead of failing in the middle of someone's test. Adding a
language means adding `locales/<lang>/quiz.json` (next to its `messages.po`).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import locales as locales_package
from bot.domain.quiz.scoring import KLIMOV_TYPES, RATING_MAX, RIASEC_TYPES

InstrumentId = Literal["riasec", "klimov"]
INSTRUMENTS: tuple[InstrumentId, ...] = ("riasec", "klimov")
SCHOOL_PROFILES = ("tech", "science", "humanities", "socio_economic", "universal")
RIASEC_ITEMS_PER_TYPE = 5
KLIMOV_PAIRS = 20
KLIMOV_TYPE_APPEARANCES = 8


class QuizDataError(Exception):
    """An instrument or text file is broken; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Instrument:
    id: InstrumentId
    item_ids: tuple[str, ...]
    # RIASEC: the type of each statement. Klimov: the types of options A and B.
    keys: tuple[Any, ...]

    def __len__(self) -> int:
        return len(self.item_ids)

    def valid_answer(self, value: int) -> bool:
        """A rating 0..4 of a statement (RIASEC), or option A = 0 / B = 1 of a pair (Klimov):
        anything else in a tap's data is forged."""
        top = RATING_MAX if self.id == "riasec" else 1
        return 0 <= value <= top


@dataclass(frozen=True, slots=True)
class TypeText:
    name: str
    enjoy: str


@dataclass(frozen=True, slots=True)
class InstrumentTexts:
    title: str
    intro: str
    # RIASEC: statement by item id. Klimov: (option A, option B) by pair id.
    items: dict[str, Any]
    types: dict[str, TypeText]
    profiles: dict[str, str]
    profile_notes: dict[str, str]


@dataclass(frozen=True, slots=True)
class QuizCatalog:
    instruments: dict[InstrumentId, Instrument]
    texts: dict[str, dict[InstrumentId, InstrumentTexts]]
    fallback_locale: str = "ru"

    def text(self, locale: str, instrument: InstrumentId) -> InstrumentTexts:
        by_locale = self.texts.get(locale) or self.texts[self.fallback_locale]
        return by_locale[instrument]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise QuizDataError(f"{path}: file is missing") from None
    except json.JSONDecodeError as error:
        raise QuizDataError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise QuizDataError(f"{path}: expected a JSON object")
    return data


def _load_riasec(path: Path) -> Instrument:
    data = _read_json(path)
    items = data.get("items")
    if not isinstance(items, list):
        raise QuizDataError(f"{path}: 'items' must be a list")
    ids = tuple(str(item.get("id")) for item in items)
    types = tuple(item.get("type") for item in items)
    if len(set(ids)) != len(ids):
        raise QuizDataError(f"{path}: item ids repeat")
    unknown = sorted({str(t) for t in types if t not in RIASEC_TYPES})
    if unknown:
        raise QuizDataError(f"{path}: unknown types {unknown}")
    counts = Counter(types)
    if any(counts[t] != RIASEC_ITEMS_PER_TYPE for t in RIASEC_TYPES):
        raise QuizDataError(f"{path}: every type needs exactly 5 statements, got {dict(counts)}")
    for position in range(1, len(types)):
        if types[position] == types[position - 1]:
            raise QuizDataError(f"{path}: items {position} and {position + 1} share a type")
    return Instrument("riasec", ids, types)


def _load_klimov(path: Path) -> Instrument:
    data = _read_json(path)
    pairs = data.get("pairs")
    if not isinstance(pairs, list) or len(pairs) != KLIMOV_PAIRS:
        raise QuizDataError(f"{path}: 'pairs' must list exactly {KLIMOV_PAIRS} pairs")
    ids = tuple(str(pair.get("id")) for pair in pairs)
    keys = tuple((pair.get("a"), pair.get("b")) for pair in pairs)
    if len(set(ids)) != len(ids):
        raise QuizDataError(f"{path}: pair ids repeat")
    for pair_id, (type_a, type_b) in zip(ids, keys, strict=True):
        if type_a not in KLIMOV_TYPES or type_b not in KLIMOV_TYPES:
            raise QuizDataError(f"{path}: pair {pair_id} has an unknown type")
        if type_a == type_b:
            raise QuizDataError(f"{path}: pair {pair_id} sets a type against itself")
    counts = Counter(t for pair in keys for t in pair)
    if any(counts[t] != KLIMOV_TYPE_APPEARANCES for t in KLIMOV_TYPES):
        raise QuizDataError(f"{path}: every type must appear 8 times, got {dict(counts)}")
    return Instrument("klimov", ids, keys)


def _text(path: Path, where: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise QuizDataError(f"{path}: {where} is missing or empty")
    return value


def _type_texts(path: Path, section: str, raw: Any, types: tuple[str, ...]) -> dict[str, TypeText]:
    """Names and descriptions of the types; the jobs a result names come from the occupations
    catalogue (`bot.domain.occupations`)."""
    result: dict[str, TypeText] = {}
    for type_id in types:
        entry = raw.get(type_id) if isinstance(raw, dict) else None
        if not isinstance(entry, dict):
            raise QuizDataError(f"{path}: {section}.types.{type_id} is missing")
        result[type_id] = TypeText(
            name=_text(path, f"{section}.types.{type_id}.name", entry.get("name")),
            enjoy=_text(path, f"{section}.types.{type_id}.enjoy", entry.get("enjoy")),
        )
    return result


def _load_texts(
    path: Path, riasec: Instrument, klimov: Instrument
) -> dict[InstrumentId, InstrumentTexts]:
    data = _read_json(path)
    adult, school = data.get("riasec"), data.get("klimov")
    if not isinstance(adult, dict) or not isinstance(school, dict):
        raise QuizDataError(f"{path}: needs the sections 'riasec' and 'klimov'")
    statements = adult.get("items") or {}
    options = school.get("options") or {}
    profiles = school.get("profiles") or {}
    notes = school.get("profile_notes") or {}
    return {
        "riasec": InstrumentTexts(
            title=_text(path, "riasec.title", adult.get("title")),
            intro=_text(path, "riasec.intro", adult.get("intro")),
            items={
                i: _text(path, f"riasec.items.{i}", statements.get(i)) for i in riasec.item_ids
            },
            types=_type_texts(path, "riasec", adult.get("types"), RIASEC_TYPES),
            profiles={},
            profile_notes={},
        ),
        "klimov": InstrumentTexts(
            title=_text(path, "klimov.title", school.get("title")),
            intro=_text(path, "klimov.intro", school.get("intro")),
            items={
                p: (
                    _text(path, f"klimov.options.{p}a", options.get(f"{p}a")),
                    _text(path, f"klimov.options.{p}b", options.get(f"{p}b")),
                )
                for p in klimov.item_ids
            },
            types=_type_texts(path, "klimov", school.get("types"), KLIMOV_TYPES),
            profiles={
                p: _text(path, f"klimov.profiles.{p}", profiles.get(p)) for p in SCHOOL_PROFILES
            },
            profile_notes={
                p: _text(path, f"klimov.profile_notes.{p}", notes.get(p)) for p in SCHOOL_PROFILES
            },
        ),
    }


def data_dir() -> Path:
    return Path(str(resources.files("bot.domain.quiz") / "data"))


def load_quiz_catalog(data: Path | None = None, locales: Path | None = None) -> QuizCatalog:
    """Read and check both instruments and the texts of every language under `locales/`."""
    data = data or data_dir()
    locales = locales or locales_package.directory()
    riasec = _load_riasec(data / "riasec.json")
    klimov = _load_klimov(data / "klimov.json")
    texts: dict[str, dict[InstrumentId, InstrumentTexts]] = {}
    for folder in sorted(p for p in locales.iterdir() if (p / "LC_MESSAGES").is_dir()):
        texts[folder.name] = _load_texts(folder / "quiz.json", riasec, klimov)
    if "ru" not in texts:
        raise QuizDataError(f"{locales}: the Russian texts (ru/quiz.json) are required")
    return QuizCatalog(instruments={"riasec": riasec, "klimov": klimov}, texts=texts)
