"""Three webhook workers on one PostgreSQL and one Redis: many people take the quiz while one
worker is killed with SIGKILL and started again; then the database must hold, for every
person, exactly one finished result whose answers are exactly what the person tapped.

    python bench/quiz_workers.py [--people 1000] [--rate 100] [--workers 3]
        [--kill-at 0.4] [--down 5] [--database-url postgresql://…] [--redis-url redis://…]

What runs: a private `redis-server` (unless `--redis-url`), a fresh PostgreSQL database on
`POSTGRES_TEST_URL` or the local server (unless `--database-url`; a fresh one is dropped
afterwards), the tests' fake Bot API in this process, and `--workers` real
`python -m bot webhook` processes (REDIS_URL for the conversation state, DATABASE_URL for
everything else). The load generator plays Telegram and the people:

- Telegram: every update is POSTed with the secret header to the workers in turn (as a proxy
  in front of them would spread them); when a worker does not answer 200 — refused, reset,
  killed mid-update — the same update is posted again, to the next worker, after a pause
  growing from 0.5 s (Telegram keeps an unconfirmed update and delivers it again). At most
  40 updates are in flight at once (Telegram's default `max_connections`).
- Bot API: the fake answers each call after `--api-latency` seconds (default 50 ms, a round
  trip to api.telegram.org), so updates are in flight inside the worker when it is killed.
- People: /start, «Даю согласие», a role, /test, «Тест интересов», then every question,
  each tap on the buttons of the message the bot last drew, waiting for the next question
  before tapping again. All posts (not the repeats) are paced to `--rate` updates a second.
  A person pauses `--think` seconds before each post (under the bot's throttling of five
  updates a second). A person who sees nothing for `--patience` seconds taps the same button
  again, as a person would; such repeats are counted apart from Telegram's.

Once `--kill-at` of all answers have been tapped, worker 2 gets SIGKILL (at a moment it is
handling updates) and is started again `--down` seconds later. Printed: people, answers,
Telegram's redeliveries, the people's own repeats, lost and doubled answers, the latency of an
answer (from its first post to the next question drawn), the load average. Exit code 1 when
any answer is lost (in the database, or on the way so that the person had to tap again) or
counted twice.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import shutil
import signal
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from common import (
    fresh_postgres,
    load_average,
    machine,
    percentile,
    postgres_server,
    postgres_version,
    private_redis,
)

from bot.services.database import open_database
from handlers.quiz.callbacks import QuizCb
from tests.support.fake_api import Call, FakeBotApi
from tests.support.http_chat import buttons
from tests.support.processes import bot_env, free_port, kill, spawn

SECRET = "bench-workers-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FIRST_PERSON = 700_000
QUIZ_BUTTON = "qm:start:riasec"
# Telegram's default number of simultaneous connections to one webhook.
MAX_CONNECTIONS = 40
# Longer than aiogram's Redis lock of one person's updates (60 s), which a killed worker
# leaves behind until it expires.
POST_SECONDS = 90.0
START_SECONDS = 120.0
# Texts the people look for, Russian (the people's language).
CONSENT = "Даю согласие"
ROLE = "Ищу работу"
DONE = "✅"


# --- the fake Bot API, watched per chat ---------------------------------------------------


@dataclass
class Shown:
    """A message the bot drew in a person's chat (sent or edited), when it arrived."""

    message_id: int
    params: dict[str, Any]
    at: float


class WatchedApi(FakeBotApi):
    """The tests' fake Bot API, with what it is asked to draw kept per chat, so a thousand
    people can each wait for their own next message without scanning every call."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: dict[int, list[Shown]] = {}
        self.woken: dict[int, asyncio.Event] = {}

    def _record(self, call: Call) -> None:
        super()._record(call)
        method = call.method.lower()
        if method not in ("sendmessage", "editmessagetext", "sendphoto") or call.status != 200:
            return
        chat = call.params.get("chat_id")
        if not isinstance(chat, int):
            return
        result = call.result
        message_id = (
            result["message_id"] if isinstance(result, dict) else call.params.get("message_id", 0)
        )
        self.shown.setdefault(chat, []).append(Shown(int(message_id), call.params, call.at))
        event = self.woken.get(chat)
        if event is not None:
            event.set()

    async def next_shown(
        self, chat: int, since: int, wanted: Callable[[Shown], bool], timeout: float
    ) -> tuple[int, Shown] | None:
        """The first message in `chat` at position `since` or later that is `wanted`, and its
        position; None after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        event = self.woken.setdefault(chat, asyncio.Event())
        while True:
            event.clear()
            seen = self.shown.get(chat, [])
            for index in range(since, len(seen)):
                if wanted(seen[index]):
                    return index, seen[index]
            since = max(since, len(seen))
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)


def labelled(label: str) -> Callable[[Shown], bool]:
    return lambda shown: any(label in str(b.get("text", "")) for b in buttons(shown.params))


def data_of(shown: Shown, wanted: Callable[[str], bool]) -> str | None:
    for button in buttons(shown.params):
        data = button.get("callback_data")
        if isinstance(data, str) and wanted(data):
            return data
    return None


def answer_buttons(shown: Shown) -> dict[int, str]:
    """The answer buttons of a question message: value → callback data (empty if none)."""
    found = {}
    for button in buttons(shown.params):
        data = button.get("callback_data")
        if isinstance(data, str) and data.startswith("q:a:"):
            found[QuizCb.unpack(data).value] = data
    return found


def question_of(shown: Shown) -> int | None:
    for data in answer_buttons(shown).values():
        return QuizCb.unpack(data).question
    return None


def is_done(shown: Shown) -> bool:
    return str(shown.params.get("text", "")).startswith(DONE)


# --- Telegram: posting updates to the workers -----------------------------------------------


@dataclass
class Worker:
    number: int
    port: int
    folder: Path
    env: dict[str, str]
    proc: asyncio.subprocess.Process | None = None
    posting: int = 0  # posts to it not answered yet

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    async def start(self) -> None:
        log = (self.folder / "bot.log").open("ab")
        self.proc = await spawn(
            self.folder, self.env, "webhook", stdout=log, stderr=asyncio.subprocess.STDOUT
        )
        log.close()

    async def ready(self, http: aiohttp.ClientSession) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.returncode is not None:
                raise RuntimeError(f"worker {self.number} exited: see {self.folder}/bot.log")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                health = f"http://127.0.0.1:{self.port}/healthz"
                async with http.get(health, timeout=aiohttp.ClientTimeout(total=2)) as answer:
                    if answer.status == 200:
                        return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"worker {self.number} did not start: see {self.folder}/bot.log")


@dataclass
class Telegram:
    http: aiohttp.ClientSession
    workers: list[Worker]
    rate: float
    redeliveries: int = 0
    posted: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    _turn: itertools.count[int] = field(default_factory=itertools.count)
    _next_slot: float = 0.0
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def pace(self) -> None:
        """The next slot of `rate` posts a second (repeats are not paced)."""
        now = time.monotonic()
        slot = max(now, self._next_slot)
        self._next_slot = slot + 1 / self.rate
        if slot > now:
            await asyncio.sleep(slot - now)

    def update(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), **body}

    async def deliver(self, update: dict[str, Any]) -> None:
        """Post until a worker answers 200, each time to the next worker."""
        pause = 0.5
        while True:
            worker = self.workers[next(self._turn) % len(self.workers)]
            worker.posting += 1
            try:
                async with self.http.post(
                    worker.url,
                    json=update,
                    headers={SECRET_HEADER: SECRET},
                    timeout=aiohttp.ClientTimeout(total=POST_SECONDS),
                ) as answer:
                    await answer.read()
                    if answer.status == 200:
                        self.posted += 1
                        return
                    why = f"HTTP {answer.status}"
            except (aiohttp.ClientError, TimeoutError) as error:
                why = type(error).__name__
            finally:
                worker.posting -= 1
            self.redeliveries += 1
            self.reasons[why] = self.reasons.get(why, 0) + 1
            await asyncio.sleep(pause)
            pause = min(pause * 2, 4.0)


# --- a person -------------------------------------------------------------------------------


@dataclass
class Tally:
    answers: int = 0
    repeats: int = 0
    repeated: list[tuple[int, str]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    posted_at: list[float] = field(default_factory=list)  # of each latency's answer
    tapped: dict[int, list[int]] = field(default_factory=dict)
    finished: set[int] = field(default_factory=set)


BOT_USER = {"id": 123, "is_bot": True, "first_name": "ЦОПП", "username": "copp_career_bot"}


def person_json(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Тест", "language_code": "ru"}


def text_update(user_id: int, text: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": 1,
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private", "first_name": "Тест"},
        "from": person_json(user_id),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"message": message}


def tap_update(user_id: int, message_id: int, data: str, tap: int) -> dict[str, Any]:
    return {
        "callback_query": {
            "id": f"{user_id}-{tap}",
            "from": person_json(user_id),
            "chat_instance": f"ci{user_id}",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private"},
                "from": BOT_USER,
            },
        }
    }


@dataclass
class Person:
    user_id: int
    api: WatchedApi
    telegram: Telegram
    tally: Tally
    patience: float
    think: float
    rng: random.Random
    seen: int = 0
    taps: int = 0

    async def post(self, body: dict[str, Any]) -> float:
        """Post `body` in its paced slot, after the person's pause; the time of its first
        post."""
        await asyncio.sleep(self.think)
        await self.telegram.pace()
        first = time.monotonic()
        await self.telegram.deliver(self.telegram.update(body))
        return first

    async def until(self, wanted: Callable[[Shown], bool], again: dict[str, Any]) -> Shown:
        """The next message that is `wanted`; `again` is posted anew each time the person has
        waited `patience` seconds for it."""
        while True:
            found = await self.api.next_shown(self.user_id, self.seen, wanted, self.patience)
            if found is not None:
                self.seen = found[0] + 1
                return found[1]
            self.tally.repeats += 1
            self.tally.repeated.append((self.user_id, str(again)[:160]))
            await self.post(again)

    def tap(self, shown: Shown, data: str) -> dict[str, Any]:
        self.taps += 1
        return tap_update(self.user_id, shown.message_id, data, self.taps)

    async def take_quiz(self) -> None:
        start = text_update(self.user_id, "/start")
        await self.post(start)
        consent = await self.until(labelled(CONSENT), start)
        tap = self.tap(consent, next_data(consent, CONSENT))
        await self.post(tap)
        role = await self.until(labelled(ROLE), tap)
        tap = self.tap(role, next_data(role, ROLE))
        await self.post(tap)
        test = text_update(self.user_id, "/test")
        await self.post(test)
        chooser = await self.until(lambda s: data_of(s, QUIZ_BUTTON.__eq__) is not None, test)
        tap = self.tap(chooser, QUIZ_BUTTON)
        await self.post(tap)
        question = await self.until(lambda s: question_of(s) == 0, tap)
        tapped: list[int] = []
        self.tally.tapped[self.user_id] = tapped
        while True:
            number = question_of(question)
            assert number is not None
            choices = answer_buttons(question)
            value = self.rng.choice(sorted(choices))
            tap = self.tap(question, choices[value])
            tapped.append(value)
            self.tally.answers += 1
            posted = await self.post(tap)
            question = await self.until(next_question(number), tap)
            self.tally.latencies.append(question.at - posted)
            self.tally.posted_at.append(posted)
            if is_done(question):
                self.tally.finished.add(self.user_id)
                return


def next_question(number: int) -> Callable[[Shown], bool]:
    return lambda shown: is_done(shown) or question_of(shown) == number + 1


def next_data(shown: Shown, label: str) -> str:
    for button in buttons(shown.params):
        if label in str(button.get("text", "")) and "callback_data" in button:
            return str(button["callback_data"])
    raise AssertionError(f"no button {label!r} in {shown.params}")


# --- Redis and PostgreSQL -------------------------------------------------------------------


@contextlib.asynccontextmanager
async def database(url: str | None) -> AsyncIterator[str]:
    """`url`, or a fresh database on the test server, dropped afterwards."""
    if url:
        yield url
        return
    async with fresh_postgres(postgres_server()) as fresh:
        yield fresh


# --- the run --------------------------------------------------------------------------------


@dataclass
class Outcome:
    people: int
    answers: int
    finished: int
    without_result: int
    extra_results: int
    lost: int
    doubled: int
    mismatched_people: int


async def check(url: str, tally: Tally) -> Outcome:
    """What the database holds against what each person tapped."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT user_id, answers FROM quiz_results WHERE user_id >= $1 ORDER BY id",
            FIRST_PERSON,
        )
    finally:
        await conn.close()
    results: dict[int, list[list[int]]] = {}
    for row in rows:
        results.setdefault(int(row["user_id"]), []).append(json.loads(row["answers"]))
    lost = doubled = mismatched = without = extra = 0
    for user_id, tapped in tally.tapped.items():
        kept = results.get(user_id, [])
        if not kept:
            without += 1
            lost += len(tapped)
            continue
        extra += len(kept) - 1
        saved = kept[0]
        if saved != tapped:
            mismatched += 1
            # An answer counted twice shifts the rest; one lost leaves a gap: count both ways.
            doubled += max(0, len(saved) - len(tapped))
            lost += sum(1 for a, b in zip(saved, tapped, strict=False) if a != b) + max(
                0, len(tapped) - len(saved)
            )
    return Outcome(
        people=len(tally.tapped),
        answers=tally.answers,
        finished=len(tally.finished),
        without_result=without,
        extra_results=extra,
        lost=lost,
        doubled=doubled + extra * 30,
        mismatched_people=mismatched,
    )


def make_workers(
    args: argparse.Namespace, root: Path, api_url: str, db_url: str, redis_url: str
) -> list[Worker]:
    workers = []
    for number in range(1, args.workers + 1):
        folder = root / f"worker{number}"
        folder.mkdir()
        port = free_port()
        env = bot_env(
            folder,
            api_url,
            DATABASE_URL=db_url,
            REDIS_URL=redis_url,
            REDIS_LOCK_SECONDS=str(args.lock_seconds),
            WEBHOOK_URL=f"https://bot.example.test:{port}/webhook",
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_HOST="127.0.0.1",
            WEBHOOK_PORT=str(port),
            LOG_LEVEL="WARNING",
        )
        workers.append(Worker(number, port, folder, env))
    return workers


@dataclass
class Run:
    """What the load saw: the time it took, the kill, the load average along the way."""

    seconds: float = 0.0
    began: float = 0.0
    victim: int = 0
    killed: dict[str, float] = field(default_factory=dict)
    loads: list[float] = field(default_factory=list)


async def kill_and_restart(
    args: argparse.Namespace, victim: Worker, tally: Tally, run: Run, http: aiohttp.ClientSession
) -> None:
    while tally.answers < args.kill_at * args.people * 30:
        await asyncio.sleep(0.05)
    # Killed while it handles updates (when it gets any within 10 s): those must come again.
    waited = time.monotonic() + 10
    while victim.posting == 0 and time.monotonic() < waited:
        await asyncio.sleep(0.005)
    assert victim.proc is not None
    run.killed["answers"] = tally.answers
    run.killed["in_flight"] = victim.posting
    victim.proc.send_signal(signal.SIGKILL)
    await victim.proc.wait()
    run.killed["at"] = time.monotonic()
    await asyncio.sleep(args.down)
    await victim.start()
    await victim.ready(http)
    run.killed["back"] = time.monotonic()


async def sample_load(run: Run, tally: Tally, telegram: Telegram, total: int) -> None:
    """The load average every 5 s; a line of progress every 30 s."""
    began = time.monotonic()
    for tick in itertools.count(1):
        await asyncio.sleep(5)
        run.loads.append(os.getloadavg()[0])
        if tick % 6 == 0:
            print(
                f"  {time.monotonic() - began:4.0f} s: {tally.answers} of {total} answers, "
                f"{telegram.posted} updates confirmed, {telegram.redeliveries} redelivered "
                f"({load_average()})",
                flush=True,
            )


async def load(args: argparse.Namespace, api: WatchedApi, telegram: Telegram, tally: Tally) -> Run:
    """Everyone takes the quiz; one worker is killed and started again meanwhile."""
    rng = random.Random(args.seed)
    people = [
        Person(
            FIRST_PERSON + i,
            api,
            telegram,
            tally,
            args.patience,
            args.think,
            random.Random(rng.random()),
        )
        for i in range(args.people)
    ]
    victim = telegram.workers[min(1, len(telegram.workers) - 1)]
    run = Run(victim=victim.number)
    began = run.began = time.monotonic()
    helpers = [
        asyncio.create_task(kill_and_restart(args, victim, tally, run, telegram.http)),
        asyncio.create_task(sample_load(run, tally, telegram, args.people * 30)),
    ]
    try:
        await asyncio.gather(*(person.take_quiz() for person in people))
    finally:
        run.seconds = time.monotonic() - began
        for helper in helpers:
            helper.cancel()
        await asyncio.gather(*helpers, return_exceptions=True)
    return run


async def stop_all(workers: list[Worker]) -> None:
    """SIGTERM, as a service manager stops them: each drains what it is handling."""
    for worker in workers:
        if worker.proc is not None and worker.proc.returncode is None:
            worker.proc.send_signal(signal.SIGTERM)
    for worker in workers:
        if worker.proc is not None:
            await asyncio.wait_for(worker.proc.wait(), 60)


async def run_all(args: argparse.Namespace) -> tuple[Telegram, Tally, Run, Outcome, int]:
    async with (
        private_redis(args.redis_url) as redis_url,
        database(args.database_url) as db_url,
        WatchedApi() as api,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS)) as http,
    ):
        api.latency = args.api_latency
        db = await open_database(db_url)  # migrated once here, not raced by the workers
        await db.close()
        root = Path(tempfile.mkdtemp(prefix="quiz-workers-"))
        workers = make_workers(args, root, api.url, db_url, redis_url)
        try:
            started = time.monotonic()
            for worker in workers:
                await worker.start()
            for worker in workers:
                await worker.ready(http)
            print(
                f"{args.workers} webhook workers ready in {time.monotonic() - started:.1f} s "
                f"({await postgres_version(db_url)} {db_url.rsplit('@', 1)[-1]}, "
                f"Redis {redis_url})"
            )
            telegram, tally = Telegram(http, workers, args.rate), Tally()
            run = await load(args, api, telegram, tally)
            await stop_all(workers)
            outcome = await check(db_url, tally)
        finally:
            for worker in workers:
                if worker.proc is not None:
                    await kill(worker.proc)
        tracebacks = sum(
            (w.folder / "bot.log").read_text("utf-8", "replace").count("Traceback")
            for w in workers
        )
        if args.keep_logs:
            print(f"logs: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return telegram, tally, run, outcome, tracebacks


def report(
    args: argparse.Namespace,
    telegram: Telegram,
    tally: Tally,
    run: Run,
    outcome: Outcome,
    tracebacks: int,
) -> bool:
    print(
        f"{outcome.people} people, {outcome.answers} answers + 5 onboarding updates each, "
        f"{telegram.posted} updates confirmed in {run.seconds:.0f} s "
        f"({telegram.posted / run.seconds:.0f}/s, paced at {args.rate:g}/s)"
    )
    killed = run.killed
    if "at" in killed:
        back = killed.get("back", float("nan")) - killed["at"]
        print(
            f"worker {run.victim} SIGKILLed after {killed['answers']:.0f} answers with "
            f"{killed['in_flight']:.0f} updates posted to it not yet answered, started "
            f"again {args.down:g} s later, serving again {back:.1f} s after the kill"
        )
    else:
        print("NO KILL: the run ended before --kill-at")
    print(
        f"redeliveries by Telegram (no 200 from a worker): {telegram.redeliveries} "
        f"{telegram.reasons}; repeats by people (nothing seen for {args.patience:g} s): "
        f"{tally.repeats}"
    )
    for user_id, update in tally.repeated[:10]:
        print(f"  repeated by {user_id}: {update}")
    print(
        f"finished quizzes {outcome.finished} of {outcome.people}; in the database: "
        f"without a result {outcome.without_result}, extra results {outcome.extra_results}, "
        f"people whose saved answers differ from their taps {outcome.mismatched_people}"
    )
    # A tap the person had to repeat was lost on the way, even when the repeat made up for it.
    print(
        f"answers lost: {outcome.lost} in the database, {tally.repeats} lost on the way "
        f"(repeated by the person); counted twice: {outcome.doubled}"
    )
    print("answer latency, first post to the next question drawn:")
    print(f"  all answers:{spread(tally.latencies)}")
    if "back" in killed:
        # The answers in flight at the kill or posted until a minute after the worker was
        # back (when the Redis locks of the people it was handling have expired) against the
        # others.
        calm_after = killed["back"] + 60

        def around_kill(latency: float, at: float) -> bool:
            return at < calm_after and at + latency >= killed["at"]

        pairs = list(zip(tally.latencies, tally.posted_at, strict=True))
        during = [latency for latency, at in pairs if around_kill(latency, at)]
        others = [latency for latency, at in pairs if not around_kill(latency, at)]
        print(
            f"  in flight at the kill or posted until a minute after the restart:{spread(during)}"
        )
        print(f"  posted at other times:{spread(others)}")
        # When the slow ones among the others were posted: a burst points at a stall.
        slow = sorted(
            at - run.began for latency, at in pairs if latency > 1 and not around_kill(latency, at)
        )
        if slow:
            buckets: dict[int, int] = {}
            for second in slow:
                buckets[int(second // 10) * 10] = buckets.get(int(second // 10) * 10, 0) + 1
            listed = ", ".join(f"{start}–{start + 10} s: {n}" for start, n in buckets.items())
            print(f"  the {len(slow)} others over 1 s, by when they were posted: {listed}")
    if run.loads:
        print(
            f"load average during the run: {min(run.loads):.1f}–{max(run.loads):.1f}; "
            f"now {load_average()}"
        )
    print(f"tracebacks in the workers' logs: {tracebacks}")
    exact = (
        tally.repeats == 0
        and outcome.lost == 0
        and outcome.doubled == 0
        and outcome.without_result == 0
        and outcome.mismatched_people == 0
        and outcome.finished == outcome.people
    )
    print(f"exactly once: {'yes' if exact else 'NO'}")
    return exact


def spread(latencies: list[float]) -> str:
    if not latencies:
        return " none"
    ordered = sorted(latencies)
    return (
        f" {len(ordered)} answers, p50 {percentile(ordered, 50) * 1000:.1f} ms, "
        f"p95 {percentile(ordered, 95) * 1000:.1f} ms, "
        f"p99 {percentile(ordered, 99) * 1000:.1f} ms, max {ordered[-1] * 1000:.0f} ms"
    )


async def run(args: argparse.Namespace) -> int:
    print(machine())
    return 0 if report(args, *await run_all(args)) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0, help="updates posted a second")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--kill-at", type=float, default=0.4, help="share of all answers")
    parser.add_argument("--down", type=float, default=5.0, help="seconds the worker stays dead")
    parser.add_argument("--patience", type=float, default=120.0)
    # A person reads the question before tapping: slower than the bot's throttling (five
    # updates a second from one person), which drops the excess.
    parser.add_argument("--think", type=float, default=0.5, help="seconds before each tap")
    parser.add_argument(
        "--api-latency",
        type=float,
        default=0.05,
        help="seconds the fake Bot API takes to answer each call (a round trip to Telegram)",
    )
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument(
        "--lock-seconds",
        type=float,
        default=60.0,
        help="REDIS_LOCK_SECONDS of the workers (the bot's default: 60)",
    )
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()
    if args.people < 1 or args.rate <= 0 or args.workers < 1 or not 0 < args.kill_at < 1:
        parser.error("--people, --rate and --workers positive, --kill-at between 0 and 1")
    raise SystemExit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
