"""Forged input: what a forger sends (callback data from the bot's own factories, broken in
every way, and hostile texts), the people it is sent as, and what every reply must satisfy."""

from __future__ import annotations

import html
import random
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any, get_args

from aiogram import BaseMiddleware, Dispatcher, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageCaption,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
)
from aiogram.types import InlineKeyboardMarkup, TelegramObject

import handlers  # noqa: F401  (importing the routers defines every callback factory)
from bot.runtime.commands import admin_command_list, command_list
from bot.runtime.i18n import create_i18n
from bot.runtime.offline import ChatSimulator, Request, callback_answers
from storage.db import Database
from tests.support.chat import MakeClient, onboard, start_quiz
from tests.support.settings import ADMIN_ID
from tests.support.sql import query

CALM_SENTENCE = "пошло не так"  # «Что-то пошло не так — попробуйте /menu»


def calm_sentences(requests: list[Request]) -> list[Request]:
    return [r for r in requests if CALM_SENTENCE in str(getattr(r.method, "text", ""))]


# The callback factories of the bot: the prefixes a forger starts from.
def _callback_factories() -> list[type[CallbackData]]:
    """Every feature's callback data: each feature package defines its own."""
    found: list[type[CallbackData]] = []
    stack = list(CallbackData.__subclasses__())
    while stack:
        factory = stack.pop()
        stack.extend(factory.__subclasses__())
        if factory.__module__.startswith("handlers."):
            found.append(factory)
    return sorted(found, key=lambda factory: factory.__prefix__)


FACTORIES = _callback_factories()
ADMIN_PREFIXES = ("ba", "bd", "bx")
TELEGRAM_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
}  # fmt: skip
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^<>]*)?>")
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
FLAG = "\U0001f1f7\U0001f1fa"
# What a Telegram client can send: lone surrogates are not valid UTF-8, so they never arrive.
ODD = [
    "\u202e", "\u200f", "\u200d", "\u200b", "\ufeff", "\x00", "\u0301", FAMILY, FLAG, "\U0010fffd",
    "\r\n", "\t", "\ufdfa", "\U0001d54f", "Ё", "й",
]  # fmt: skip
JUNK = [
    "", "xyz", "-1", "0", "999", "9" * 26, "1.5", "1e3", "0x1f", "NaN", "True", "None", " 1",
    "\u0661\u0662", "../../etc/passwd", "%s%n", "{0}", "<b>x</b>", "&amp;",
    "'; DROP TABLE users;--", "\x00", "\u202e1", "ё" * 60, "A" * 200, str(ADMIN_ID),
]  # fmt: skip
CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
PLACES = [
    "в Перми", "пермский край", "Екатеринбурге", "екатеринбурх", "Тула", "Сыктывкар", "Москва",
    "Зазеркалье", "спб", "Прикамье",
]  # fmt: skip
PHONES = [
    "8 (912) 345-67-89", "+7 912 345 67 89", "89123456789", "+1 202 555 0100", "12345",
    "+7" + "9" * 40, "".join(chr(0xFF10 + int(digit)) for digit in "89123456789"),
]  # fmt: skip
MARKUP = ["<b>", "</i>", "<a href='x'>", "&lt;", "& ; &#0;", "{name}", "%(name)s", "${jndi:x}"]


def hits_known_bug(payload: str) -> bool:
    """Payloads of a known, open bug that the fuzz should leave out (none at present)."""
    return False


def field_values(annotation: Any, pools: dict[str, list[str]], name: str) -> list[str]:
    """Values of a callback field as they look packed, from the field's type."""
    kinds = [a for a in get_args(annotation) if a is not type(None)] or [annotation]
    values: list[str] = []
    for kind in kinds:
        if isinstance(kind, type) and issubclass(kind, Enum):
            values += [str(member.value) for member in kind]
        elif kind is bool:
            values += ["0", "1"]
        elif kind is int:
            values += ["0", "1", "2", "5", "29", "30", str(ADMIN_ID)]
        else:
            values += pools.get(name, pools["str"])
    return values


@dataclass
class Forger:
    """Forged callback data and texts from a seeded random source."""

    rng: random.Random
    pools: dict[str, list[str]]
    commands: list[str]

    def odd_text(self, size: int) -> str:
        alphabet = [*ODD, *CYRILLIC, " ", "<", "&", ">", "'"]
        return "".join(self.rng.choice(alphabet) for _ in range(size))

    def any_text(self, size: int) -> str:
        return "".join(chr(self.rng.randint(0x20, 0xD7FF)) for _ in range(size))

    def junk(self) -> str:
        choice = self.rng.random()
        if choice < 0.5:
            return self.rng.choice(JUNK + self.pools["ids"])
        if choice < 0.8:
            return self.odd_text(self.rng.randint(1, 30))
        return self.any_text(self.rng.randint(1, 20))

    def callback(self) -> str:
        while True:
            payload = self._callback()
            if not hits_known_bug(payload):
                return payload

    def _callback(self) -> str:
        factory = self.rng.choice(FACTORIES)
        if self.rng.random() < 0.15:
            prefix = self.rng.choice(ADMIN_PREFIXES)
            factory = next(f for f in FACTORIES if f.__prefix__ == prefix)
        parts = [
            self.rng.choice(field_values(info.annotation, self.pools, name))
            for name, info in factory.model_fields.items()
        ]
        mode = self.rng.random()
        if mode < 0.3:
            pass  # well formed: the person may simply be elsewhere in the bot
        elif mode < 0.6 and parts:
            parts[self.rng.randrange(len(parts))] = self.junk()
        elif mode < 0.7:
            extra = [self.junk() for _ in range(self.rng.randint(0, 2))]
            parts = parts[: self.rng.randrange(len(parts) + 1)] + extra
        elif mode < 0.8:
            parts = [*parts[:1], self.rng.choice(["x" * 200, "ж" * 200, self.odd_text(200)])]
        elif mode < 0.9:
            return self.junk()
        else:
            return self.odd_text(self.rng.randint(0, 80))
        return ":".join([factory.__prefix__, *parts])

    def command(self) -> str:
        command = self.rng.choice(self.commands)
        return command + " " + self.junk() if self.rng.random() < 0.4 else command

    def text(self) -> str:
        kinds: list[tuple[float, Callable[[], str]]] = [
            (0.25, self.command),
            (0.1, lambda: "".join(self.rng.choices(CYRILLIC + " ", k=4096))),
            (0.2, lambda: self.odd_text(self.rng.randint(1, 120)) or "."),
            (0.1, lambda: self.rng.choice(PHONES)),
            (0.1, lambda: self.rng.choice(PLACES) + self.rng.choice(["", "!", " " + self.junk()])),
            (0.1, lambda: self.rng.choice(MARKUP) * self.rng.randint(1, 50)),
            (0.15, lambda: self.any_text(self.rng.randint(1, 200))),
        ]
        (make,) = self.rng.choices([k[1] for k in kinds], weights=[k[0] for k in kinds])
        return make()


class AdminWatch(BaseMiddleware):
    """Records every update that reached an admin handler (its filters passed)."""

    def __init__(self) -> None:
        self.reached: list[str] = []

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        self.reached.append(type(event).__name__)
        return await handler(event, data)


def routers_of(router: Router) -> Iterator[Router]:
    yield router
    for child in router.sub_routers:
        yield from routers_of(child)


def watch_admin_handlers(dispatcher: Dispatcher) -> AdminWatch:
    watch = AdminWatch()
    admin = [r for r in routers_of(dispatcher) if r.name.startswith("handlers.admin")]
    assert admin, [r.name for r in routers_of(dispatcher)]
    for router in admin:
        for name, observer in router.observers.items():
            if name != "error":
                observer.middleware(watch)
    return watch


def visible_text(text: str) -> str:
    """The text as Telegram shows it after parsing HTML; AssertionError where Telegram would
    refuse the message ("can't parse entities")."""
    stack: list[str] = []
    shown: list[str] = []
    position = 0
    for match in TAG.finditer(text):
        before = text[position : match.start()]
        assert "<" not in before, f"unescaped '<' in {text[:300]!r}"
        shown.append(before)
        closing, name = match.group(1), match.group(2).lower()
        assert name in TELEGRAM_TAGS, f"unsupported tag <{name}> in {text[:300]!r}"
        if closing:
            assert stack and stack.pop() == name, f"unbalanced </{name}> in {text[:300]!r}"
        else:
            stack.append(name)
        position = match.end()
    rest = text[position:]
    assert "<" not in rest, f"unescaped '<' in {text[:300]!r}"
    assert not stack, f"unclosed <{stack[-1]}> in {text[:300]!r}"
    return html.unescape("".join([*shown, rest]))


def check_requests(requests: list[Request]) -> None:
    """What Telegram would refuse: long, empty or malformed texts, long button data."""
    for request in requests:
        method = request.method
        if isinstance(method, SendMessage | EditMessageText):
            shown = visible_text(method.text or "")
            assert shown.strip(), f"empty message {method.text!r}"
            assert len(shown) <= 4096, f"{len(shown)} characters: {shown[:200]!r}…"
        caption = getattr(method, "caption", None)
        if isinstance(method, SendPhoto | SendDocument | EditMessageCaption) and caption:
            assert len(visible_text(caption)) <= 1024, caption[:200]
        if isinstance(method, AnswerCallbackQuery) and method.text is not None:
            assert len(method.text) <= 200, method.text
        markup = getattr(method, "reply_markup", None)
        if isinstance(markup, InlineKeyboardMarkup):
            for row in markup.inline_keyboard:
                for button in row:
                    data = button.callback_data
                    assert data is None or len(data.encode()) <= 64, data


@dataclass
class Tally:
    """What forged updates caused, counted as they go (the request log is dropped each time)."""

    payloads: int = 0
    documents: int = 0
    calm_sentences: int = 0


async def forge(
    client: ChatSimulator, tally: Tally, kind: str, payload: str, message_id: int | None = None
) -> None:
    """One forged update, and every check of its reply."""
    session = client.session
    session.requests.clear()  # a long request log only slows the garbage collector down
    try:
        if kind == "callback":
            await client.send_callback(payload, message_id=message_id)
        else:
            await client.send(payload)
        new = list(session.requests)
        if kind == "callback":
            assert len(callback_answers(new)) == 1, [r.name for r in new]
        check_requests(new)
    except Exception as error:
        raise AssertionError(f"{kind} {payload[:300]!r} from {client.user.id}: {error}") from error
    tally.payloads += 1
    tally.documents += sum(isinstance(r.method, SendDocument) for r in new)
    tally.calm_sentences += len(calm_sentences(new))
    for old in list(client.messages)[:-30]:
        del client.messages[old]


async def fuzz_people(make_client: MakeClient) -> list[ChatSimulator]:
    """Three people in different places of the bot: in the adult quiz with consent, in the
    school quiz without, and an English client who only said /start."""
    adult = await make_client(user_id=1001, first_name="Аня")
    await onboard(adult)
    await start_quiz(adult, "Тест интересов")
    student = await make_client(user_id=1002, first_name="Петя")
    await onboard(student, role="Учусь в школе", consent=False)
    await start_quiz(student, "Тест для школьников")
    english = await make_client(user_id=1003, first_name="Ivan", language_code="en")
    await english.send("/start")
    return [adult, student, english]


async def column(db: Database, sql: str) -> list[str]:
    return [str(row[0]) for row in await query(db, sql)]


async def known_values(db: Database, people: list[ChatSimulator]) -> dict[str, list[str]]:
    """Real ids a forger could have seen, everyone's quiz attempt among them."""
    programs = await column(db, "SELECT id FROM programs ORDER BY id LIMIT 20")
    centers = await column(db, "SELECT id FROM centers ORDER BY id LIMIT 20")
    regions = await column(db, "SELECT slug FROM regions ORDER BY slug LIMIT 20")
    attempts = []
    for person in people:
        context = person.dispatcher.fsm.get_context(
            person.bot, chat_id=person.user.id, user_id=person.user.id
        )
        quiz = (await context.get_data()).get("quiz")
        if isinstance(quiz, dict):
            attempts.append(str(quiz.get("attempt")))
    ids = [str(p.user.id) for p in people] + [str(ADMIN_ID), "1", "-1001234567890"]
    codes = ["SAE", "R", "RIASEC", "tech", "", "S-A-E"]
    return {
        "program": programs,
        "center": centers,
        "slug": regions,
        "attempt": attempts or ["x"],
        "code": codes,
        "ids": ids,
        "str": programs + centers + regions + codes + ids,
    }


def command_names() -> list[str]:
    i18n = create_i18n("ru")
    with i18n.context(), i18n.use_locale("ru"):
        names = [name for name, _ in [*command_list(), *admin_command_list()]]
    return [f"/{name}" for name in names] + ["/start school_42", "/unknown", "/", "/start@bot"]


async def assert_no_admin_effects(db: Database, watch: AdminWatch, tally: Tally) -> None:
    assert watch.reached == []
    assert tally.documents == 0
    for table in ("broadcasts", "broadcast_recipients", "audit_log"):
        assert await column(db, f"SELECT COUNT(*) FROM {table}") == ["0"], table
