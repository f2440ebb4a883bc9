"""What a person means by a message typed where the bot asked nothing in particular.

A few rules read the words (greetings, thanks, complaints, a call for help, question words,
«хочу стать …»), and the search says how well the message matches an occupation or an FAQ
entry (`score_phrases`). `classify` weighs both. No network, no model: the same message always
gets the same answer. Pure: no aiogram, no storage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.text_search import QUESTION_WORDS, STOP_WORDS, Terms, normalize, words


class Intent(StrEnum):
    place = "place"
    occupation = "occupation"
    question = "question"
    greeting = "greeting"
    thanks = "thanks"
    complaint = "complaint"
    help = "help"
    other = "other"


SMALL_TALK = (Intent.greeting, Intent.thanks, Intent.complaint, Intent.help)


@dataclass(frozen=True, slots=True)
class Candidate:
    kind: str  # "occ" or "faq"
    ref: str  # the occupation's or the FAQ entry's id
    score: float  # 0..1: how much of the message the best phrasing covers, and how well


@dataclass(frozen=True, slots=True)
class Evidence:
    occupations: tuple[Candidate, ...] = ()  # best first
    faq: tuple[Candidate, ...] = ()
    places: int = 0  # places the message names (a marker such as «я из» or the whole text)


# The weight (inverse document frequency) of a term found in about one phrasing in 25.
INFORMATIVE_WEIGHT = 4.5


def score_phrases(
    query: Sequence[str],
    phrases: Iterable[tuple[str, str, Sequence[str]]],
    vocabulary: Terms,
    guessed: Mapping[str, float] | None = None,
) -> list[Candidate]:
    """Each (kind, ref) with its best phrasing's score, best first. A phrasing scores by the
    share of the message's weight it covers times (a half plus a half of) the share of its
    own weight the message covers: «сварщик» for «хочу стать сварщиком» scores 1."""
    wanted = set(query)
    if not wanted:
        return []
    # A term guessed from a typo counts as much as the guess is trusted.
    trust = guessed or {}
    weights = {t: vocabulary.weight(t) for t in wanted}
    total = sum(weights.values())
    # A message of common words only («работа», «дела») is a weak hint, however well covered.
    damping = min(1.0, total / INFORMATIVE_WEIGHT)
    best: dict[tuple[str, str], float] = {}
    matched: dict[tuple[str, str], int] = {}  # phrasings that matched: breaks ties
    for kind, ref, body in phrases:
        own = set(body)
        common = wanted & own
        if not common:
            continue
        sure = sum(weights[t] * trust.get(t, 1.0) for t in common)
        own_weight = sum(vocabulary.weight(t) for t in own)
        score = damping * (sure / total) * (0.5 + 0.5 * sure / own_weight)
        key = (kind, ref)
        matched[key] = matched.get(key, 0) + 1
        if score > best.get(key, 0.0):
            best[key] = score
    ranked = sorted(best.items(), key=lambda item: (-item[1], -matched[item[0]], item[0]))
    return [Candidate(kind, ref, score) for (kind, ref), score in ranked]


def _phrases(*lines: str) -> tuple[tuple[str, ...], ...]:
    """Phrases separated by «|», as the words `words` makes of them."""
    return tuple(tuple(words(item)) for line in lines for item in line.split("|") if item)


_GREETINGS = _phrases(
    "привет|приветик|приветствую|здравствуйте|здравствуй|здрасте|здрасьте|добрый день",
    "добрый вечер|доброе утро|доброй ночи|хай|хеллоу|салют|салам|ку|хей|йо|здорово|дратути",
    "как дела|как ты|как жизнь|как поживаешь",
    "hi|hello|hey|good morning|good afternoon|good evening|greetings|hiya|yo|how are you",
)
_THANKS = _phrases(
    "спасибо|спасибки|спс|пасиб|пасибо|благодарю|мерси|сенкс|спасибо большое",
    "большое спасибо|ок спасибо|понятно спасибо|понял спасибо|поняла спасибо|класс|супер",
    "отлично|круто",
    "thanks|thank you|thx|ty|cheers|thank u|great|awesome",
)
_COMPLAINTS = _phrases(
    "тупой|тупая|тупит|тупишь|глупый|дурак|идиот|бесполезный|бесполезно|не работает",
    "ничего не работает|не понимаешь|не понимает|отстой|фигня|ерунда|хрень|бред|ужас",
    "ужасно|бесит|достал|надоел|плохо|плохой|сломался|сломан|не помогает|не помог",
    "зачем ты|кривой|глючит|баг|ошибка|отвратительно|не то|не то что нужно|отстань",
    "отвали|задолбал",
    "useless|stupid|dumb|broken|doesn't work|doesnt work|not working|this is bad|terrible",
    "you suck|bad bot|does not work|nothing works",
)
_HELP = _phrases(
    "помогите|помоги|помощь|хелп|спасите|что ты умеешь|что умеешь|что ты можешь",
    "что можешь|как пользоваться|как тобой пользоваться|что делать|что мне делать",
    "не знаю что делать|с чего начать|как начать|что тут делать|ты кто|кто ты",
    "кто ты такой|ты кто такой|что это за бот|зачем этот бот|команды|меню|инструкция",
    "не понимаю|не понял|не поняла|я запутался|я запуталась|ничего не понятно",
    "не понятно|непонятно|ты бот|вы бот|это бот|бот или человек",
    "help|help me|what can you do|how does this work|how to use|what do i do|who are you",
    "what is this bot|commands|menu|start|i need help|are you a bot",
)
# Words that say «I want to work as / study to be»: the message is about an occupation.
_OCCUPATION_CUES = frozenset(
    " ".join(
        (
            "стать стану быть работать работу работа профессия профессию профессии",
            "специальность специальности учиться выучиться научиться обучиться отучиться",
            "пойти поступить кем хочу мечтаю курсы курс интересно интересует нравится люблю",
            "become work job career profession study train be",
        )
    ).split()
)
_NEGATIVE = frozenset(["не", "нет", "no", "not"])
_CONTAINS = re.compile(r"[0-9a-zа-я]")


def _contains(tokens: Sequence[str], phrase: Sequence[str]) -> bool:
    size = len(phrase)
    return any(tuple(tokens[i : i + size]) == tuple(phrase) for i in range(len(tokens) - size + 1))


# Words that add nothing to small talk: «привет бот», «фигня какая-то».
_FILLER = frozenset(
    ("бот", "бота", "ботик", "ты", "вы", "какая", "какой", "такой", "такая", "то", "так",
     "тут", "вообще", "за", "всё", "все", "или", "человек",
     "очень", "ну", "же", "там", "you", "there", "me", "so", "this", "is", "bot", "a", "it")
)  # fmt: skip


def small_talk(text: str) -> tuple[Intent | None, bool]:
    """Greeting, thanks, complaint or a call for help, the longest phrase found; and whether
    the message is nothing but that (no other words that could ask something)."""
    tokens = words(text)
    found: list[tuple[int, Intent, tuple[str, ...]]] = []
    # On a tie the first kind wins: «спасибо за помощь» is thanks, «привет, помогите» help.
    for intent, phrases in (
        (Intent.complaint, _COMPLAINTS),
        (Intent.thanks, _THANKS),
        (Intent.help, _HELP),
        (Intent.greeting, _GREETINGS),
    ):
        for phrase in phrases:
            if _contains(tokens, phrase):
                found.append((len(phrase), intent, tuple(phrase)))
    if not found:
        return None, False
    covered = {word for _size, _intent, phrase in found for word in phrase}
    rest = [t for t in tokens if t not in covered and t not in _FILLER and t not in STOP_WORDS]
    _size, intent, _phrase = max(found, key=lambda f: f[0])
    return intent, not rest


def is_question(text: str) -> bool:
    tokens = words(text)
    return "?" in text or any(t in QUESTION_WORDS for t in tokens[:3])


def wants_occupation(text: str) -> bool:
    return any(t in _OCCUPATION_CUES for t in words(text))


# Scores below these are not trusted (tuned on the first part of tests/data/intents.csv).
OCCUPATION_MIN = 0.45
FAQ_MIN = 0.40
# A greeting or thanks followed by something else («привет, хочу стать поваром»): the rest
# counts when its best match scores this much.
CONTENT_OVER_SMALL_TALK = 0.6
# A place named with a marker («я из Перми») unless the rest clearly asks something else.
CONTENT_OVER_PLACE = 0.75
# Question words raise the FAQ's score, «хочу стать …» the occupations'.
CUE_BONUS = 0.15


def classify(text: str, evidence: Evidence) -> Intent:
    """The one intent of the message: rules in order, the first that holds wins."""
    if not _CONTAINS.search(normalize(text)):
        return Intent.other
    occupation = evidence.occupations[0].score if evidence.occupations else 0.0
    faq = evidence.faq[0].score if evidence.faq else 0.0
    if is_question(text):
        faq += CUE_BONUS
    if wants_occupation(text):
        occupation += CUE_BONUS
    content = max(occupation, faq)
    chat, only_chat = small_talk(text)
    rules: tuple[tuple[bool, Intent | None], ...] = (
        (only_chat or chat is Intent.complaint, chat),
        (content < CONTENT_OVER_SMALL_TALK, chat),
        (evidence.places > 0 and content < CONTENT_OVER_PLACE, Intent.place),
        (occupation >= OCCUPATION_MIN and occupation >= faq, Intent.occupation),
        (faq >= FAQ_MIN, Intent.question),
        (occupation >= OCCUPATION_MIN, Intent.occupation),
        (evidence.places > 0, Intent.place),
        (True, chat),
    )
    return next((intent for holds, intent in rules if holds and intent), Intent.other)


# --- who is typing: the role question answered in words --------------------------------------

# Stems that say who the person is when they type instead of tapping a role. A college or
# university student is not a school pupil: «учусь» alone says nothing.
_ROLE_STEMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "parent",
        (
            "родител",
            "учител",
            "педагог",
            "мама",
            "папа",
            "мать",
            "отец",
            "сын",
            "дочь",
            "дочк",
            "ребён",
            "ребен",
            "детей",
            "классн",
            "parent",
            "teacher",
            "mother",
            "father",
            "my son",
            "my daughter",
            "my child",
        ),
    ),
    ("student", ("школ", "класс", "ученик", "ученица", "школьн", "school", "pupil", "grade")),
    (
        "adult",
        (
            "работ",
            "курс",
            "переобуч",
            "переучи",
            "пенси",
            "безработ",
            "декрет",
            "уволи",
            "сокращ",
            "студент",
            "колледж",
            "техникум",
            "вуз",
            "универ",
            "job",
            "work",
            "course",
            "retrain",
            "college",
            "university",
            "unemployed",
        ),
    ),
)


def role_in(text: str) -> str | None:
    """The role («student», «adult», «parent») a typed answer names, or None when it names
    none, or both a pupil and a grown-up («работаю в школе поваром»). Parents and teachers
    speak of school and children, so their words win."""
    lowered = text.lower().replace("ё", "е")
    found = {
        role
        for role, stems in _ROLE_STEMS
        if any(re.search(r"(?<![0-9a-zа-я])" + re.escape(stem), lowered) for stem in stems)
    }
    if "parent" in found:
        return "parent"
    return found.pop() if len(found) == 1 else None
