"""Many people at once through the real dispatcher: handler latency of each update.

Every simulated person goes /start → consent → role → /test → the adult quiz and answers
`--questions` of its 30 questions (8 by default, to keep the run near two minutes), one
update after another: the next once the bot has answered the previous, as a person waits
for the reply. The updates of different people are handled as concurrent tasks, as polling
does. Each update is timed from `Dispatcher.feed_update` to its return. The dispatcher is
the production one (`create_dispatcher`: throttling, user row, SQLite FSM storage),
answering through the offline Bot API session.

    python bench/concurrent_users.py [--users 1000] [--questions 8] [--think 4]
                                     [--alone 100] [--gc-freeze] [--seed N]

Loads, in one process:
  * one update at a time (`--alone` people taking turns): what an update costs;
  * everyone at once, no pauses, so `--users` updates are always in flight; the same load
    on a bare aiogram echo bot gives the ratio;
  * the same people answering the next `--questions` questions at a person's pace: a pause
    of 0.5–1.5 × `--think` seconds before each answer (`--think 0` skips this load).
Prints p50/p95/p99/max/mean latency and updates/s of each, and the verdicts for p99 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import math
import random
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Update
from common import TOKEN, echo_dispatcher, machine, percentile, real_bot, verdict

from bot.runtime.offline import ChatSimulator, OfflineSession
from handlers.quiz.callbacks import QuizAction, QuizCb

TARGET_P99_MS = 50.0
QUIZ_LENGTH = 30
# Two loads of answers by the same people, short of the last answer, which draws the chart.
MAX_QUESTIONS = (QUIZ_LENGTH - 1) // 2
# /start, the consent tap, the role tap, /test and the tap that opens the adult quiz.
ONBOARDING_UPDATES = 5
THROTTLE_NOTICE = "Слишком часто"
# A person's updates are at least this far apart: under the five a second that throttling
# allows (and faster than anyone taps). With many people the bot's replies are slower anyway.
MIN_GAP_S = 0.25
KEPT_MESSAGES = 2
# Telegram numbers updates across all chats. aiogram caches `Update.event_type` by update id,
# so ids repeated from chat to chat (each simulated chat counts from 1) would make every
# lookup compare whole updates.
UPDATE_IDS = itertools.count(1)


class IndexedSession(OfflineSession):
    """The offline session, giving the event loop to other updates once per request as a
    real HTTP request would. Requests are filed under their chat until that person reads
    them, not kept in one growing list: scanning it, or the garbage collector walking it,
    would load the event loop the bot runs on, which a real bot does not have."""

    def __init__(self) -> None:
        super().__init__()
        self.by_chat: defaultdict[int, list[Any]] = defaultdict(list)
        self.throttled = 0

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        await asyncio.sleep(0)
        result = await super().make_request(bot, method, timeout)
        # Nothing is awaited between recording the request and returning it.
        request = self.requests.pop()
        chat_id = getattr(method, "chat_id", None)
        if isinstance(chat_id, int):
            self.by_chat[chat_id].append(request)
        if THROTTLE_NOTICE in str(getattr(method, "text", None)):
            self.throttled += 1
        return result


class TimedChat(ChatSimulator):
    """A simulated person whose every update is timed from `feed_update` to its return.

    Only the newest messages of the chat are kept, the ones a person acts on: all of them,
    for a thousand people, are several times the objects the bot itself keeps for them, and
    the garbage collector would walk them all while the bot runs."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        session: IndexedSession,
        user_id: int,
        gate: asyncio.Semaphore | None = None,
    ) -> None:
        """`gate`: held around each update; `Semaphore(1)` handles one update at a time."""
        super().__init__(dispatcher, bot, session, user_id=user_id, first_name="Тест")
        self.indexed = session
        self.gate = gate
        self.latencies_ms: list[float] = []
        self.last_sent = -math.inf

    async def _feed(self, update: Update) -> list[Any]:
        # As polling delivers it: parsed with the bot attached (else `feed_update` re-parses).
        raw = update.model_dump() | {"update_id": next(UPDATE_IDS)}
        update = Update.model_validate(raw, context={"bot": self.bot})
        wait = self.last_sent + MIN_GAP_S - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self.last_sent = time.monotonic()
        async with self.gate or contextlib.nullcontext():
            started = time.perf_counter()
            await self.dispatcher.feed_update(self.bot, update)
            self.latencies_ms.append((time.perf_counter() - started) * 1000)
        new = self.indexed.by_chat.pop(self.chat.id, [])
        for request in new:
            self._apply(request)
        for old in list(self.messages)[:-KEPT_MESSAGES]:
            del self.messages[old]
        return new


@dataclass(slots=True)
class Run:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def line(self) -> str:
        s = sorted(self.latencies_ms)
        return (
            f"{self.name + ':':<36s}p50 {percentile(s, 50):6.1f}  p95 {percentile(s, 95):6.1f}  "
            f"p99 {percentile(s, 99):6.1f}  max {s[-1]:6.1f}  mean {statistics.fmean(s):6.1f} ms"
            f";  {self.rate:4.0f} updates/s"
        )


def answer_data(chat: ChatSimulator, value: int) -> tuple[int, str]:
    """The question message and the callback data of its answer button `value`."""
    shown = chat.last_message
    for row in shown.markup.inline_keyboard if shown.markup else []:
        for button in row:
            data = button.callback_data
            if data and data.startswith(f"{QuizCb.__prefix__}:"):
                unpacked = QuizCb.unpack(data)
                if unpacked.action is QuizAction.answer and unpacked.value == value:
                    return shown.message_id, data
    raise AssertionError(f"no answer button {value} under {shown.text[:80]!r}")


Pause = Callable[[], Awaitable[None]]


async def no_pause() -> None:
    return None


async def onboarding(chat: TimedChat, pause: Pause) -> None:
    """/start, consent, the role, /test and the adult quiz: at its first question."""
    steps: list[Callable[[], Awaitable[object]]] = [
        lambda: chat.send("/start"),
        lambda: chat.click("Даю согласие"),
        lambda: chat.click("Ищу работу"),
        lambda: chat.send("/test"),
        lambda: chat.click("Тест интересов"),
    ]
    for step in steps:
        await pause()
        await step()


async def answering(chat: TimedChat, questions: range, pause: Pause) -> None:
    for question in questions:
        await pause()
        message_id, data = answer_data(chat, question % 5)
        await chat.send_callback(data, message_id=message_id)
    expected = f"Вопрос {questions.stop + 1} из {QUIZ_LENGTH}"
    if not chat.last_text.startswith(expected):
        raise AssertionError(
            f"person {chat.user.id} is at {chat.last_text[:20]!r}, not {expected!r}: "
            "an answer was lost or throttled"
        )


async def quiz_journey(chat: TimedChat, questions: int, pause: Pause) -> None:
    await onboarding(chat, pause)
    await answering(chat, range(questions), pause)


async def echo_journey(chat: TimedChat, updates: int, pause: Pause) -> None:
    for n in range(updates):
        await pause()
        await chat.send(f"ответ {n}")


def human_pause(rng: random.Random, think: float) -> Pause:
    async def pause() -> None:
        await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))

    return pause


async def everyone(
    name: str, chats: list[TimedChat], journey: Callable[[TimedChat], Awaitable[None]]
) -> Run:
    for chat in chats:
        chat.latencies_ms.clear()
    started = time.perf_counter()
    await asyncio.gather(*(journey(chat) for chat in chats))
    run = Run(name, seconds=time.perf_counter() - started)
    for chat in chats:
        run.latencies_ms += chat.latencies_ms
    return run


def split_onboarding(name: str, chats: list[TimedChat]) -> list[Run]:
    """The onboarding updates and the answers of people who took turns; their updates/s is
    1 / mean latency, what handling updates strictly one after another sustains."""
    parts = [Run(f"{name}, onboarding"), Run(f"{name}, answers")]
    for chat in chats:
        parts[0].latencies_ms += chat.latencies_ms[:ONBOARDING_UPDATES]
        parts[1].latencies_ms += chat.latencies_ms[ONBOARDING_UPDATES:]
    for part in parts:
        part.seconds = sum(part.latencies_ms) / 1000
    return parts


async def bot_runs(args: argparse.Namespace, folder: Path) -> list[Run]:
    """The real dispatcher: one update at a time (which also warms it up), everyone at once,
    then the same people answering on at a person's pace."""
    rng = random.Random(args.seed)
    ids = itertools.count(100_000)
    session = IndexedSession()
    async with real_bot(folder, session) as real:

        def people(count: int, gate: asyncio.Semaphore | None = None) -> list[TimedChat]:
            return [
                TimedChat(real.dispatcher, real.bot, session, next(ids), gate)
                for _ in range(count)
            ]

        async def taking_turns(chat: TimedChat) -> None:
            await quiz_journey(chat, args.questions, no_pause)

        async def at_a_persons_pace(chat: TimedChat) -> None:
            # Each person's first answer comes after a pause too, so they do not all start
            # in the same instant.
            questions = range(args.questions, 2 * args.questions)
            await answering(chat, questions, human_pause(rng, args.think))

        alone = people(args.alone, asyncio.Semaphore(1))
        await everyone("", alone, taking_turns)
        runs = split_onboarding("bot, one at a time", alone)
        if args.gc_freeze:
            gc.collect()
            gc.freeze()
        crowd = people(args.users)
        runs.append(
            await everyone(
                "bot, everyone at once",
                crowd,
                lambda chat: quiz_journey(chat, args.questions, no_pause),
            )
        )
        if args.think > 0:
            runs.append(
                await everyone("bot, answering at a person's pace", crowd, at_a_persons_pace)
            )
    if session.throttled:
        raise AssertionError(f"{session.throttled} updates were throttled")
    return runs


async def echo_run(args: argparse.Namespace) -> Run:
    session = IndexedSession()
    bot = Bot(TOKEN, session=session)
    dispatcher = echo_dispatcher()
    updates = ONBOARDING_UPDATES + args.questions
    crowd = [TimedChat(dispatcher, bot, session, 500_000 + n) for n in range(args.users)]
    return await everyone(
        "bare echo, everyone at once", crowd, lambda chat: echo_journey(chat, updates, no_pause)
    )


def target_line(run: Run) -> str:
    p99 = percentile(sorted(run.latencies_ms), 99)
    return (
        f"p99 {p99:.1f} ms, {run.name} — target ≤ {TARGET_P99_MS:.0f} ms: "
        f"{verdict(p99 <= TARGET_P99_MS)}"
    )


async def main(args: argparse.Namespace) -> None:
    print(machine())
    if args.gc_freeze:
        print("gc.freeze() after the warm-up")
    per_person = ONBOARDING_UPDATES + args.questions
    print(
        f"{args.users} people, each {per_person} updates in order (/start, consent, role, "
        f"/test, the adult quiz, {args.questions} of its {QUIZ_LENGTH} answers): "
        f"{args.users * per_person} updates a load; throttling on"
    )
    with tempfile.TemporaryDirectory() as folder:
        runs = await bot_runs(args, Path(folder))
    echo = await echo_run(args)
    alone, crowd, paced = runs[:2], runs[2], runs[3:]
    print(f"  ({args.alone} people taking turns; updates/s one at a time is 1 / mean latency)")
    for run in [*alone, crowd, echo, *paced]:
        print(run.line())
    if paced:
        print(
            f"  (a pause of {0.5 * args.think:g}–{1.5 * args.think:g} s before each answer: "
            f"{args.users / args.think:.0f} answers/s offered)"
        )
    mean = statistics.fmean(crowd.latencies_ms)
    alone_mean = statistics.fmean(alone[0].latencies_ms + alone[1].latencies_ms)
    print(
        f"everyone at once: {crowd.rate * mean / 1000:.0f} updates in flight on average "
        f"({crowd.rate:.0f} updates/s × {mean:.0f} ms, Little's law); one update alone takes "
        f"{alone_mean:.1f} ms on average, the rest is waiting for the event loop and the "
        "database"
    )
    s_bot, s_echo = sorted(crowd.latencies_ms), sorted(echo.latencies_ms)
    print(
        f"bot / bare echo, everyone at once: p99 × "
        f"{percentile(s_bot, 99) / percentile(s_echo, 99):.1f}, updates/s "
        f"{crowd.rate / echo.rate:.0%}"
    )
    for run in [crowd, *paced]:
        print(target_line(run))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument(
        "--questions",
        type=int,
        default=8,
        help=f"answers per person and load, 1–{MAX_QUESTIONS}",
    )
    parser.add_argument(
        "--think", type=float, default=4.0, help="mean pause before an answer, s (0: no such load)"
    )
    parser.add_argument(
        "--alone", type=int, default=100, help="people taking turns, one update at a time"
    )
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() after the warm-up, so full collections skip what start-up made",
    )
    parser.add_argument("--seed", type=int, default=20261126)
    args = parser.parse_args(argv)
    if args.users < 1 or args.alone < 1 or not 1 <= args.questions <= MAX_QUESTIONS:
        parser.error(f"--users, --alone at least 1; --questions 1–{MAX_QUESTIONS}")
    if args.think < 0:
        parser.error("--think must be 0 or more")
    return args


if __name__ == "__main__":
    asyncio.run(main(parse()))
