"""Words for search: what people type turned into the terms the search index holds.

The same steps run when indexing and when asking, so both sides meet: lower case with ё = е,
words of letters and digits, a Snowball stem (Russian for Cyrillic words, English for Latin
ones: SQLite's FTS5 has no Russian stemmer), then the key of the word's synonym group
(`bot/data/synonyms.csv`: программист ~ разработчик ~ айтишник ~ IT). Words that carry no
meaning for the search («хочу», «как», «the») are dropped. A word the index does not know is
matched to the closest known term when it differs by a typo or two (`Terms.correct`).
Pure: no aiogram, no storage.
"""

from __future__ import annotations

import importlib.util
import math
import re
import sys
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Protocol

from bot.domain.catalogue import packaged_text

_WORD = re.compile(r"[0-9a-zа-я]+")
_CYRILLIC = re.compile(r"[а-я]")


def _words_of(*lines: str) -> frozenset[str]:
    return frozenset(word for line in lines for word in line.split())


# Words that say nothing about what is searched for. Compared before stemming.
STOP_WORDS = _words_of(
    "а без бы был была были было быть будет будут в вам вас ваш во вот все вы где да для до",
    "его ее если есть еще же за здесь и из или им их к как какая какие какой когда кто куда",
    "ли либо мне меня мой мы на над надо не него нее нет ни но ну о об около он она они оно",
    "от очень по под после при про с со так там то тоже только у уже хочу хотел хотела хотим",
    "хочется чем что чтобы это эта эти этот я мой моя мои себя себе свой можно могу нужно",
    "нужен нужна пожалуйста плиз pls please подскажите скажите расскажите ты тебя тебе",
    "какое каков чего кого кем кто-то нибудь типа вообще просто стать быть учиться учат",
    "учить обучиться выучиться научиться научат обучают отучиться поступить пойти идти",
    "работать делать сделать пройти живу живем проживаю нахожусь находимся научится учится",
    "научить связанное связанный связанная связано хачу хочю хотю хачю",
    "a an the of to in on at for from by with and or is are be am was were do does did i me",
    "my you your we it this that there what which who how can could would should will want",
    "wanna like please about get become study learn live living",
)
# Kept in a Russian message: «хочу в IT».
_KEPT_AMONG_CYRILLIC = frozenset({"it"})

# Words that ask a question: they do not search, but `intents` reads them.
QUESTION_WORDS = _words_of(
    "сколько как где когда что зачем почему какой какая какие какое можно ли нужно нужен",
    "нужна надо есть будет дадут выдают скока how what where when why which can do does is",
    "are will much",
)


def normalize(text: str) -> str:
    return text.lower().replace("ё", "е")


def words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


class _Stemmer(Protocol):
    def stemWord(self, word: str) -> str: ...  # snowballstemmer's name


_SNOWBALL = "_snowball_modules"


@cache
def _stemmer(language: str) -> _Stemmer:
    """Snowball's stemmer of one language. `import snowballstemmer` imports all its 34
    languages (3 MB); its two modules are imported here on their own, under a private name
    for the package whose `__init__` is then never run."""
    if _SNOWBALL not in sys.modules:
        spec = importlib.util.find_spec("snowballstemmer")
        if spec is None or spec.submodule_search_locations is None:
            raise ModuleNotFoundError("snowballstemmer")
        package = types.ModuleType(_SNOWBALL)
        package.__path__ = list(spec.submodule_search_locations)
        sys.modules[_SNOWBALL] = package
    module = importlib.import_module(f"{_SNOWBALL}.{language}_stemmer")
    stemmer: _Stemmer = getattr(module, f"{language.capitalize()}Stemmer")()
    return stemmer


# A word's stem is remembered: people and programme texts repeat the same words. 16,384 of
# them take about 2 MB when full (65,536 took 7.5: a large catalogue's reindex fills it).
@lru_cache(maxsize=16_384)
def stem(word: str) -> str:
    """The Snowball stem of one lower-case word (Russian or English by its letters)."""
    if word.isdigit() or len(word) < 3:
        return word
    language = "russian" if _CYRILLIC.search(word) else "english"
    result: str = _stemmer(language).stemWord(word)
    return result


@dataclass(frozen=True, slots=True)
class Synonyms:
    """Stem -> the stem of its group's first word."""

    keys: dict[str, str]

    def key(self, term: str) -> str:
        return self.keys.get(term, term)


_CASE_ENDINGS = ("а", "е", "у", "ом", "ой", "ы", "и", "ами", "ах")


def parse_synonyms(text: str) -> Synonyms:
    keys: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        group = [w for w in (normalize(x.strip()) for x in line.split("|")) if w]
        head = stem(group[0])
        for word in group:
            keys.setdefault(stem(word), head)
        for word in group:
            # Snowball stems some forms apart («спортзал» → «спортза», «спортзале» →
            # «спортзал»): the stems of the usual case endings join the group too.
            if _CYRILLIC.search(word):
                for ending in _CASE_ENDINGS:
                    keys.setdefault(stem(word + ending), head)
    return Synonyms(keys)


@cache
def load_synonyms() -> Synonyms:
    return parse_synonyms(packaged_text("synonyms.csv"))


def terms(text: str, synonyms: Synonyms | None = None) -> list[str]:
    """The search terms of a text, in order (repeats kept): stemmed, synonym keys, no stop
    words."""
    synonyms = synonyms or load_synonyms()
    found = words(text)
    kept = _KEPT_AMONG_CYRILLIC if _CYRILLIC.search(normalize(text)) else frozenset()
    return [synonyms.key(stem(w)) for w in found if w not in STOP_WORDS or w in kept]


# A guessed term's trust falls by this much per typo per letter of the word.
GUESS_PENALTY = 2.5


def _typo_limit(term: str) -> int:
    if len(term) < 4:
        return 0
    return 1 if len(term) < 7 else 2


@dataclass(slots=True)
class Terms:
    """The vocabulary of an index: how rare each term is (for weights), and typo correction
    against it."""

    document_counts: dict[str, int] = field(default_factory=dict)
    documents: int = 0
    _sorted: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, documents: Iterable[Sequence[str]]) -> Terms:
        counts: dict[str, int] = {}
        total = 0
        for document in documents:
            total += 1
            for term in set(document):
                counts[term] = counts.get(term, 0) + 1
        return cls(counts, total, sorted(counts))

    def __contains__(self, term: str) -> bool:
        return term in self.document_counts

    def weight(self, term: str) -> float:
        """Inverse document frequency: rare terms weigh more; unknown terms weigh as the
        rarest."""
        count = self.document_counts.get(term, 0)
        return math.log(1.0 + (self.documents + 1) / (count + 0.5))

    def correct(self, term: str) -> str | None:
        """The known term within a typo or two of `term` (None when none is close enough);
        a known term is itself."""
        if term in self.document_counts:
            return term
        limit = _typo_limit(term)
        if not limit or term.isdigit():
            return None
        # Loaded on the first word the index does not know, not at start-up.
        from rapidfuzz import process  # noqa: PLC0415
        from rapidfuzz.distance import Levenshtein  # noqa: PLC0415

        found = process.extractOne(
            term, self._sorted, scorer=Levenshtein.distance, score_cutoff=limit
        )
        return None if found is None else str(found[0])

    def corrected(self, query: Sequence[str]) -> tuple[list[str], dict[str, float]]:
        """Each term known, or corrected to a known one (terms without a close match stay),
        and how far to trust the terms that are only guesses from a typo: less in short
        words («текст» is not a typo of «тест»), more in long ones («бугалтер»)."""
        result: list[str] = []
        guessed: dict[str, float] = {}
        for term in query:
            known = self.correct(term)
            if known is not None and known != term:
                from rapidfuzz.distance import Levenshtein  # noqa: PLC0415

                distance = Levenshtein.distance(term, known)
                trust = max(0.0, 1.0 - GUESS_PENALTY * distance / len(term))
                guessed[known] = max(trust, guessed.get(known, 0.0))
            result.append(known or term)
        for term in query:
            guessed.pop(term, None)  # typed as it is elsewhere in the message
        return result, guessed
