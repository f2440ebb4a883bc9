"""Latency under a stated load: 1,000 people answering the quiz at 250 answers/s for 60 s.

Open-loop arrivals, as Telegram delivers them: answer number i arrives at i / `--rate`
seconds whatever the bot is doing (a slow bot does not slow the people down), and each one is
handled as its own task, as polling does. Latency is from an update's arrival to the last
Bot API request it makes (answering the tap, redrawing the question): what the person waits
for. The Bot API is the offline session, which gives the event loop away once per request as
a real HTTP request would.

Two sides in one process, at the same arrival rate:
  * bare aiogram (MemoryStorage, no middlewares) answering the tap and redrawing a
    seven-button question, with the garbage collector as a bare bot leaves it;
  * the real dispatcher (`create_dispatcher`: throttling, the person's row, the SQLite FSM
    storage, the quiz), after the production start-up path's `settle_heap()`
    (`bot/runtime/heap.py`: `gc.freeze()` and rarer young collections).

    python bench/concurrent_users.py [--people 1000] [--rate 250] [--seconds 60]

Prints p50/p95/p99/max of both sides, the load average, and the verdict for p99 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import CallbackQuery, Chat, Message, Update, User
from common import (
    TOKEN,
    bare_quiz_dispatcher,
    load_average,
    machine,
    percentile,
    real_bot,
    verdict,
)

from bot.domain.quiz.progress import QuizProgress
from bot.runtime.heap import settle_heap
from bot.runtime.offline import BOT_USER, ChatSimulator, OfflineSession
from handlers.quiz.callbacks import QuizAction, QuizCb
from handlers.quiz.states import QuizData

TARGET_P99_MS = 50.0
QUIZ_LENGTH = 30
ANSWERABLE = QUIZ_LENGTH - 1  # the last answer draws the result chart: not this path
# The update a task is handling, so the session can file each request under it.
CURRENT = contextvars.ContextVar[int]("current_update")


class TimingSession(OfflineSession):
    """The offline session, yielding the event loop once per request as HTTP would, noting
    when each update's last request went out and keeping nothing else."""

    def __init__(self) -> None:
        super().__init__()
        self.last_request: dict[int, float] = {}
        self.keep = True  # the requests, for the simulated chats that open the quiz

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        await asyncio.sleep(0)
        self.last_request[CURRENT.get(0)] = time.perf_counter()
        result = await super().make_request(bot, method, timeout)
        if not self.keep:
            self.requests.clear()
        return result


@dataclass(slots=True)
class Side:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    offered: float = 0.0  # arrivals per second as scheduled
    lag_ms: float = 0.0  # how late the last arrival was fed (the driver's own delay)
    load: str = ""

    def line(self) -> str:
        s = sorted(self.latencies_ms)
        return (
            f"{self.name + ':':<34s}p50 {percentile(s, 50):6.1f}  p95 {percentile(s, 95):6.1f}  "
            f"p99 {percentile(s, 99):6.1f}  max {s[-1]:7.1f}  mean {statistics.fmean(s):6.1f} ms"
            f"; {len(s)} answers at {self.offered:.0f}/s ({self.load})"
        )


def tap(update_id: int, user: User, message_id: int, data: str) -> Update:
    shown = Message(
        message_id=message_id,
        date=datetime.now(UTC),
        chat=Chat(id=user.id, type="private"),
        from_user=BOT_USER,
        text="Вопрос",
    )
    query = CallbackQuery(
        id=f"q{update_id}", from_user=user, chat_instance="bench", data=data, message=shown
    )
    return Update(update_id=update_id, callback_query=query)


async def drive(
    name: str, dispatcher: Dispatcher, bot: Bot, session: TimingSession, updates: list[Update]
) -> Side:
    """Feed `updates` at their arrival times (`--rate` a second), each as its own task; then
    each update's latency is its last request's time minus its arrival time."""
    rate = ARGS.rate
    # As polling delivers them: parsed with the bot attached.
    updates = [Update.model_validate(u.model_dump(), context={"bot": bot}) for u in updates]
    session.last_request.clear()
    session.keep = False
    session.requests.clear()
    arrivals: dict[int, float] = {}
    tasks: list[asyncio.Task[object]] = []

    async def handle(update: Update) -> None:
        CURRENT.set(update.update_id)
        await dispatcher.feed_update(bot, update)

    started = time.perf_counter()
    lag = 0.0
    for n, update in enumerate(updates):
        due = started + n / rate
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        lag = time.perf_counter() - due
        arrivals[update.update_id] = due
        tasks.append(asyncio.create_task(handle(update)))
    await asyncio.gather(*tasks)
    side = Side(name, offered=rate, lag_ms=lag * 1000, load=load_average())
    for update_id, arrived in arrivals.items():
        side.latencies_ms.append((session.last_request[update_id] - arrived) * 1000)
    return side


def schedule(people: int, total: int) -> list[tuple[int, int]]:
    """(person, question) of each arrival: people in turn, each answering the next question."""
    return [(n % people, n // people) for n in range(total)]


async def bare_side(total: int) -> Side:
    session = TimingSession()
    bot = Bot(TOKEN, session=session)
    users = [User(id=30_000 + i, is_bot=False, first_name="Тест") for i in range(ARGS.people)]
    updates = [
        tap(n + 1, users[person], 1, f"q:a:x:{question}:1")
        for n, (person, question) in enumerate(schedule(ARGS.people, total))
    ]
    return await drive("bare answer + redraw", bare_quiz_dispatcher(), bot, session, updates)


async def bot_side(total: int, folder: Path) -> Side:
    session = TimingSession()
    async with real_bot(folder, session) as real:
        dispatcher, bot = real.dispatcher, real.bot
        opened = []  # (user, attempt, question message id): the quiz open, not timed
        for i in range(ARGS.people):
            chat = ChatSimulator(dispatcher, bot, session, user_id=20_000 + i)
            await chat.send("/test")
            await chat.click("Тест интересов")
            data = await dispatcher.fsm.get_context(bot, chat.user.id, chat.user.id).get_data()
            progress = QuizProgress.from_dict(data[QuizData.progress])
            assert progress is not None and progress.message_id is not None
            opened.append((chat.user, progress.attempt, progress.message_id))
        # The production start-up path freezes what start-up built, after the warm-up.
        settle_heap()
        updates = []
        for n, (person, question) in enumerate(schedule(ARGS.people, total)):
            user, attempt, message_id = opened[person]
            answer = QuizCb(
                action=QuizAction.answer, attempt=attempt, question=question, value=question % 5
            ).pack()
            updates.append(tap(n + 1, user, message_id, answer))
        side = await drive("bot (real path)", dispatcher, bot, session, updates)
        # Every answer was taken: nobody throttled, nothing lost.
        for user, _, _ in opened:
            context = dispatcher.fsm.get_context(bot, user.id, user.id)
            progress = QuizProgress.from_dict((await context.get_data())[QuizData.progress])
            assert progress is not None
            answers = (total - 1 - (user.id - 20_000)) // ARGS.people + 1
            assert progress.position == answers, (user.id, progress.position, answers)
    return side


async def main() -> None:
    print(machine())
    total = round(ARGS.rate * ARGS.seconds)
    print(
        f"{ARGS.people} people, {total} answers arriving at {ARGS.rate:g}/s for "
        f"{ARGS.seconds:g} s (each person every {ARGS.people / ARGS.rate:.1f} s); "
        "latency from arrival to the last request sent"
    )
    bare = await bare_side(total)
    with tempfile.TemporaryDirectory() as folder:
        real = await bot_side(total, Path(folder))
    for side in (bare, real):
        print(side.line())
        if side.lag_ms > 5:
            print(f"  (the last arrival was fed {side.lag_ms:.0f} ms late: the loop was busy)")
    p99_bare = percentile(sorted(bare.latencies_ms), 99)
    p99 = percentile(sorted(real.latencies_ms), 99)
    print(f"bot / bare p99: ×{p99 / p99_bare:.2f}")
    print(
        f"p99 {p99:.1f} ms, bot at {ARGS.rate:g} answers/s — target ≤ {TARGET_P99_MS:.0f} ms: "
        f"{verdict(p99 <= TARGET_P99_MS)}"
    )


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=250.0, help="answers per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    if args.people < 1 or args.rate <= 0 or args.seconds <= 0:
        parser.error("--people at least 1, --rate and --seconds above 0")
    if args.rate * args.seconds > args.people * ANSWERABLE:
        parser.error(f"at most {ANSWERABLE} answers a person: more people or fewer seconds")
    if args.people / args.rate < 0.25:
        parser.error("each person at most 4 answers a second (the bot throttles at 5)")
    return args


ARGS = argparse.Namespace()

if __name__ == "__main__":
    ARGS = parse()
    asyncio.run(main())
