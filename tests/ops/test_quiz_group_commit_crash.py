"""Quiz answers are committed in groups (`storage/fsm.py`): many people answer at once, the
real `python -m bot` process is killed with SIGKILL while answers are in flight, and every
answer whose next question had already gone out is in the database — only answers still in
flight may be lost."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path

from handlers.quiz.callbacks import QuizCb
from tests.support.bot_api_wire import Params
from tests.support.fake_api import FakeBotApi
from tests.support.http_chat import callback_data_of
from tests.support.processes import START_SECONDS, bot_env, bot_process

PEOPLE = list(range(7001, 7013))
CALM_ROUNDS = 3
# Under the bot's throttling (five updates a second from one person).
HUMAN_PAUSE = 0.35


def answer_button(params: Params, value: int) -> str:
    for data in callback_data_of(params):
        if data.startswith("q:a:") and QuizCb.unpack(data).value == value:
            return data
    raise AssertionError(f"no answer {value} in {callback_data_of(params)}")


def question_to(person: int, number: int) -> Callable[[Params], bool]:
    def matches(params: Params) -> bool:
        return params.get("chat_id") == person and str(params.get("text", "")).startswith(
            f"Вопрос {number} из 30"
        )

    return matches


def offering_to(person: int) -> Callable[[Params], bool]:
    return lambda p: p.get("chat_id") == person and "qm:start:riasec" in callback_data_of(p)


async def test_sigkill_loses_no_answer_whose_next_question_went_out(
    api: FakeBotApi, tmp_path: Path
) -> None:
    database = tmp_path / "bot.sqlite3"
    env = bot_env(tmp_path, api.url, DATABASE_PATH=str(database))
    shown: dict[int, tuple[int, Params]] = {}  # person: (question message id, its params)
    async with bot_process(tmp_path, env) as running:
        await api.wait_for("getUpdates", timeout=START_SECONDS)
        since = len(api.calls)
        for person in PEOPLE:
            api.push_message(person, "/test")
        for person in PEOPLE:
            chooser = await api.wait_for("sendMessage", offering_to(person), since=since)
            api.push_callback(person, "qm:start:riasec", chooser.result["message_id"])
        for person in PEOPLE:
            first = await api.wait_for("sendMessage", question_to(person, 1), since=since)
            shown[person] = (first.result["message_id"], first.params)

        # Everyone answers at once, round after round: the answers share commits.
        for round_ in range(CALM_ROUNDS):
            await asyncio.sleep(HUMAN_PAUSE)
            since = len(api.calls)
            for person in PEOPLE:
                message_id, params = shown[person]
                api.push_callback(person, answer_button(params, round_ % 5), message_id)
            for person in PEOPLE:
                edit = await api.wait_for(
                    "editMessageText", question_to(person, round_ + 2), since=since
                )
                shown[person] = (shown[person][0], edit.params)

        # One more round, on a slow line: killed once the first next question has gone out.
        await asyncio.sleep(HUMAN_PAUSE)
        api.latency = 0.4
        since = len(api.calls)
        for person in PEOPLE:
            message_id, params = shown[person]
            api.push_callback(person, answer_button(params, CALM_ROUNDS % 5), message_id)
        await api.wait_for(
            "editMessageText",
            lambda p: any(question_to(person, CALM_ROUNDS + 2)(p) for person in PEOPLE),
            since=since,
        )
        running.proc.send_signal(signal.SIGKILL)
        assert await running.proc.wait() == -signal.SIGKILL
    went_out = {
        person: any(
            call.method == "editMessageText" and question_to(person, CALM_ROUNDS + 2)(call.params)
            for call in api.calls[since:]
        )
        for person in PEOPLE
    }
    assert any(went_out.values())

    with contextlib.closing(sqlite3.connect(database)) as conn:
        rows = dict(conn.execute("SELECT user_id, data FROM fsm_state").fetchall())
    for person in PEOPLE:
        progress = json.loads(rows[person])["quiz"]
        answered = [value for value in progress["answers"] if value is not None]
        expected = [round_ % 5 for round_ in range(CALM_ROUNDS + 1)]
        if went_out[person]:
            assert answered == expected, (person, progress)
        else:  # in flight at the kill: saved or not, never half
            assert answered in (expected, expected[:-1]), (person, progress)
        assert progress["position"] == len(answered)
