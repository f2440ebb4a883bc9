"""Quiz answers through the real dispatcher vs. a bare aiogram echo bot, in one process.

Both sides get ready-made `Update` objects fed to `Dispatcher.feed_update` and answer through
the same offline Bot API session, so the harness costs the same on both; what differs is what
a quiz answer really does: throttling, the user row, the SQLite FSM storage, checking the
answer, and redrawing the question. The quiz side runs as the bot's process does: after its
start-up path's `settle_heap()` (`gc.freeze()` after the warm-up, rarer young collections);
the bare sides with the garbage collector as aiogram leaves it.

    python bench/quiz_vs_echo.py [--people 1000] [--rounds 3] [--questions 29]
                                 [--both [--postgres-fsm]] [--postgres-server URL]

With `--both` the quiz side runs on PostgreSQL too, in the same rounds: a fresh database each
round on `--postgres-server` (default `POSTGRES_TEST_URL`, else the local server) with the
conversation state in Redis (a private `redis-server`, or `--redis-url`), as several webhook
workers run in production; `--postgres-fsm` adds PostgreSQL with the conversation state in the
database (one process only).

Prints the rate of each side (updates per second; each round with the load average, then the
best of `--rounds` runs) and the target: quiz answers at least 75 % of the bare aiogram
"answer the tap, redraw a seven-button question" handler (the echo ratio is for reference).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.methods import EditMessageText
from aiogram.types import (
    CallbackQuery,
    Chat,
    Message,
    Update,
    User,
)
from common import (
    TOKEN,
    bare_quiz_dispatcher,
    echo_dispatcher,
    fresh_postgres,
    load_average,
    machine,
    postgres_server,
    postgres_version,
    private_redis,
    real_bot,
    stopwatch,
)

from bot.domain.quiz.progress import QuizProgress
from bot.runtime.heap import settle_heap
from bot.runtime.offline import BOT_USER, ChatSimulator, OfflineSession
from handlers.quiz.callbacks import QuizAction, QuizCb
from handlers.quiz.states import QuizData

QUIZ_LENGTH = 30
QUESTIONS = QUIZ_LENGTH - 1  # the last answer draws the result chart: not the answer path
BATCH = 100
DEFAULT_GC_THRESHOLDS = gc.get_threshold()
# Quiz answers on the real path against bare aiogram answering the tap and redrawing.
TARGET = 0.75


def message_update(update_id: int, user: User, text: str) -> Update:
    message = Message(
        message_id=update_id,
        date=datetime.now(UTC),
        chat=Chat(id=user.id, type="private"),
        from_user=user,
        text=text,
    )
    return Update(update_id=update_id, message=message)


def person(user_id: int) -> User:
    return User(id=user_id, is_bot=False, first_name="Тест", language_code="ru")


async def feed_all(dispatcher: Dispatcher, bot: Bot, updates: list[Update]) -> float:
    """As polling does: updates parsed with the bot attached, batches of up to 100 (one
    getUpdates answer), each update handled as its own task."""
    updates = [Update.model_validate(u.model_dump(), context={"bot": bot}) for u in updates]
    with stopwatch() as watch:
        for first in range(0, len(updates), BATCH):
            batch = updates[first : first + BATCH]
            await asyncio.gather(*(dispatcher.feed_update(bot, update) for update in batch))
    return len(updates) / watch.seconds


async def run_bare_quiz(people: int, questions: int) -> float:
    bot = Bot(TOKEN, session=OfflineSession())
    users = [person(30_000 + i) for i in range(people)]
    updates: list[Update] = []
    for question in range(questions):
        for user in users:
            shown = Message(
                message_id=1,
                date=datetime.now(UTC),
                chat=Chat(id=user.id, type="private"),
                from_user=BOT_USER,
                text="Вопрос",
            )
            tap = CallbackQuery(
                id=f"bare-{user.id}-{question}",
                from_user=user,
                chat_instance="bench",
                data=f"q:a:x:{question}:1",
                message=shown,
            )
            updates.append(Update(update_id=len(updates) + 1, callback_query=tap))
    return await feed_all(bare_quiz_dispatcher(), bot, updates)


async def run_echo(people: int, questions: int) -> float:
    bot = Bot(TOKEN, session=OfflineSession())
    users = [person(10_000 + i) for i in range(people)]
    updates = [
        message_update(n * people + i, user, "answer")
        for n in range(questions)
        for i, user in enumerate(users)
    ]
    return await feed_all(echo_dispatcher(), bot, updates)


async def run_quiz(
    people: int,
    questions: int,
    folder: Path,
    database_url: str | None = None,
    redis_url: str | None = None,
) -> float:
    session = OfflineSession()
    async with real_bot(folder, session, database_url=database_url, redis_url=redis_url) as real:
        return await answer_quiz(real.dispatcher, real.bot, session, people, questions)


async def run_quiz_on_postgres(
    people: int, questions: int, folder: Path, server: str, redis_url: str | None
) -> float:
    """The quiz on a fresh PostgreSQL database; the conversation state in Redis (emptied
    first: the same people take the quiz each round) or, without `redis_url`, in the
    database."""
    if redis_url is not None:
        from redis.asyncio import Redis  # noqa: PLC0415

        redis = Redis.from_url(redis_url)
        try:
            await redis.flushdb()
        finally:
            await redis.aclose()
    async with fresh_postgres(server) as url:
        return await run_quiz(people, questions, folder, url, redis_url)


async def answer_quiz(
    dispatcher: Dispatcher, bot: Bot, session: OfflineSession, people: int, questions: int
) -> float:
    chats = [ChatSimulator(dispatcher, bot, session, user_id=20_000 + i) for i in range(people)]
    opened = []  # (chat, attempt, question message) for everyone, after opening the quiz
    for chat in chats:  # not timed: the warm-up
        await chat.send("/test")
        await chat.click("Тест интересов")
        data = await dispatcher.fsm.get_context(bot, chat.user.id, chat.user.id).get_data()
        progress = QuizProgress.from_dict(data[QuizData.progress])
        assert progress is not None and progress.message_id is not None
        shown = Message(
            message_id=progress.message_id,
            date=datetime.now(UTC),
            chat=chat.chat,
            from_user=BOT_USER,
            text=chat.last_text,
        )
        opened.append((chat, progress.attempt, shown))
    updates: list[Update] = []
    # As the production start-up path does after its warm-up (bot/runtime/heap.py); undone
    # afterwards, so the next bare run finds the collector as aiogram leaves it.
    settle_heap()
    for question in range(questions):
        for chat, attempt, shown in opened:
            answer = QuizCb(
                action=QuizAction.answer, attempt=attempt, question=question, value=question % 5
            )
            tap = CallbackQuery(
                id=f"bench-{chat.user.id}-{question}",
                from_user=chat.user,
                chat_instance="bench",
                data=answer.pack(),
                message=shown,
            )
            updates.append(Update(update_id=len(updates) + 1, callback_query=tap))
    try:
        rate = await feed_all(dispatcher, bot, updates)
    finally:
        gc.unfreeze()
        gc.set_threshold(*DEFAULT_GC_THRESHOLDS)
    last_edits = {
        r.method.chat_id: r.method.text
        for r in session.requests
        if isinstance(r.method, EditMessageText)
    }
    # Every answer was taken (nobody throttled): all at the question after the last answer.
    expected = f"Вопрос {questions + 1} из {QUIZ_LENGTH}"
    for chat in chats:
        assert str(last_edits[chat.user.id]).startswith(expected), last_edits[chat.user.id]
    return rate


# The sides of a run: the bare ones, the quiz on SQLite, and with --both on PostgreSQL.
SQLITE = "quiz answers (SQLite FSM, real)"
POSTGRES_REDIS = "quiz answers (PostgreSQL + Redis FSM, real)"
POSTGRES_DB_FSM = "quiz answers (PostgreSQL, FSM in PostgreSQL)"
SHORT = {SQLITE: "SQLite", POSTGRES_REDIS: "PostgreSQL + Redis", POSTGRES_DB_FSM: "PostgreSQL"}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    # Enough people that each answers about once a second, as a person would, so the real
    # throttling (five updates a second per person) stays out of the way.
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--questions", type=int, default=QUESTIONS, help=f"answers per person, 1–{QUESTIONS}"
    )
    parser.add_argument(
        "--both",
        action="store_true",
        help="also on PostgreSQL, with the conversation state in Redis (several workers)",
    )
    parser.add_argument(
        "--postgres-fsm",
        action="store_true",
        help="with --both: also on PostgreSQL with the conversation state in the database",
    )
    parser.add_argument("--postgres-server", help="where fresh databases are made")
    parser.add_argument("--redis-url", help="an empty Redis database (default: a private one)")
    args = parser.parse_args()
    if args.people < 1 or args.rounds < 1 or not 1 <= args.questions <= QUESTIONS:
        parser.error(f"--people and --rounds at least 1, --questions 1–{QUESTIONS}")
    print(machine())
    async with contextlib.AsyncExitStack() as stack:
        server = redis_url = None
        if args.both:
            server = postgres_server(args.postgres_server)
            redis_url = await stack.enter_async_context(private_redis(args.redis_url))
            async with fresh_postgres(server) as probe:
                print(f"{await postgres_version(probe)} at {server.rsplit('@', 1)[-1]}, Redis")
        await measure(args, server, redis_url)


async def measure(args: argparse.Namespace, server: str | None, redis_url: str | None) -> None:
    echo_rates, bare_rates = [], []
    quiz_rates: dict[str, list[float]] = {SQLITE: []}
    if server is not None:
        quiz_rates[POSTGRES_REDIS] = []
        if args.postgres_fsm:
            quiz_rates[POSTGRES_DB_FSM] = []
    for round_ in range(1, args.rounds + 1):
        echo_rates.append(await run_echo(args.people, args.questions))
        bare_rates.append(await run_bare_quiz(args.people, args.questions))
        with tempfile.TemporaryDirectory() as folder:
            quiz_rates[SQLITE].append(await run_quiz(args.people, args.questions, Path(folder)))
        for side, redis in ((POSTGRES_REDIS, redis_url), (POSTGRES_DB_FSM, None)):
            if side in quiz_rates:
                assert server is not None
                with tempfile.TemporaryDirectory() as folder:
                    quiz_rates[side].append(
                        await run_quiz_on_postgres(
                            args.people, args.questions, Path(folder), server, redis
                        )
                    )
        quizzes = ", ".join(
            f"{SHORT[side]} {rates[-1]:.0f} ({rates[-1] / bare_rates[-1]:.0%} of bare)"
            for side, rates in quiz_rates.items()
        )
        print(
            f"  round {round_}: echo {echo_rates[-1]:.0f}, bare answer + redraw "
            f"{bare_rates[-1]:.0f}, quiz {quizzes} updates/s ({load_average()})"
        )
    echo, bare = max(echo_rates), max(bare_rates)
    print(f"best of {args.rounds} runs of {args.people * args.questions} updates each")
    width = max(33, *(len(side) + 2 for side in quiz_rates))
    print(f"{'bare echo (MemoryStorage):':<{width}s}{echo:8.0f} updates/s")
    print(f"{'bare answer + redraw (Memory):':<{width}s}{bare:8.0f} updates/s")
    for side, rates in quiz_rates.items():
        print(f"{side + ':':<{width}s}{max(rates):8.0f} updates/s")
    for side, rates in quiz_rates.items():
        quiz = max(rates)
        ratio = quiz / bare
        name = "quiz" if side == SQLITE else f"quiz on {SHORT[side]}"
        print(
            f"{name} / echo: {quiz / echo:.0%}  (for reference; bare answer + redraw / echo: "
            f"{bare / echo:.0%}, the floor for any quiz answer)"
        )
        # Each round's bare and quiz runs are minutes apart at most: their ratio is steadier on
        # a shared machine than the ratio of the best runs, which may come from different
        # rounds.
        paired = statistics.median(q / b for q, b in zip(rates, bare_rates, strict=True))
        print(f"{name} / bare answer + redraw, median of the rounds' own ratios: {paired:.0%}")
        print(
            f"{name} / bare answer + redraw: {ratio:.0%} — target ≥ {TARGET:.0%}: "
            f"{'met' if ratio >= TARGET else 'NOT met'}"
        )


if __name__ == "__main__":
    asyncio.run(main())
