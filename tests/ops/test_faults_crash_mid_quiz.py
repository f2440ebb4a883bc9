"""A crash in the middle of a quiz: the real `python -m bot` process is killed with SIGKILL
while a reply is on the wire, started again on the same database, and the person goes on at
the same question."""

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
from tests.support.http_chat import USER_ID, callback_data_of, offering, to_user
from tests.support.processes import START_SECONDS, bot_env, bot_process

SECRET_TOKEN = "123:SECRETtokenFaultRecord"
STALE_QUESTION = "Этот вопрос уже позади"
# The running bot throttles more than five updates a second from one person: a person's
# pause after each reply, not a wait for anything (every wait is on the reply itself).
HUMAN_PAUSE = 0.3


def answer_button(params: Params, value: int) -> str:
    for data in callback_data_of(params):
        if data.startswith("q:a:") and QuizCb.unpack(data).value == value:
            return data
    raise AssertionError(f"no answer {value} in {callback_data_of(params)}")


def question(number: int, message_id: int | None = None) -> Callable[[Params], bool]:
    def matches(params: Params) -> bool:
        return (
            params.get("chat_id") == USER_ID
            and str(params.get("text", "")).startswith(f"Вопрос {number} из 30")
            and (message_id is None or params.get("message_id") == message_id)
        )

    return matches


async def say(api: FakeBotApi, text: str) -> int:
    """The person writes; returns the index of the next API call."""
    await asyncio.sleep(HUMAN_PAUSE)
    since = len(api.calls)
    api.push_message(USER_ID, text)
    return since


async def tap(api: FakeBotApi, shown: Params, message_id: int, data: str) -> str:
    """The person taps a button they see on the bot's message; returns the query id."""
    assert data in callback_data_of(shown), callback_data_of(shown)
    await asyncio.sleep(HUMAN_PAUSE)
    update = api.push_callback(USER_ID, data, message_id)
    return str(update["callback_query"]["id"])


async def test_sigkill_mid_quiz_resumes_at_the_same_question(
    api: FakeBotApi, tmp_path: Path
) -> None:
    database = tmp_path / "bot.sqlite3"
    env = bot_env(
        tmp_path, api.url, BOT_TOKEN=SECRET_TOKEN, DATABASE_PATH=str(database), LOG_LEVEL="DEBUG"
    )
    first_run, second_run = tmp_path / "run1", tmp_path / "run2"
    first_run.mkdir()
    second_run.mkdir()
    answers = [4, 0, 3, 1, 2]

    async with bot_process(first_run, env) as first:
        await api.wait_for("getUpdates", timeout=START_SECONDS)
        since = await say(api, "/start")
        consent = await api.wait_for("sendMessage", offering("c:yes"), since=since)
        await tap(api, consent.params, consent.result["message_id"], "c:yes")
        role = await api.wait_for("sendMessage", to_user("Кто вы?"))
        await tap(api, role.params, role.result["message_id"], "r:adult")
        await api.wait_for("editMessageText", to_user("Принято"))
        since = await say(api, "/test")
        chooser = await api.wait_for("sendMessage", offering("qm:start:riasec"), since=since)
        await tap(api, chooser.params, chooser.result["message_id"], "qm:start:riasec")
        shown = await api.wait_for("sendMessage", question(1))
        message_id, params = shown.result["message_id"], shown.params
        for number, value in enumerate(answers[:3], start=1):
            await tap(api, params, message_id, answer_button(params, value))
            edit = await api.wait_for("editMessageText", question(number + 1, message_id))
            params = edit.params
        fourth = params

        # The fourth answer is saved and its edit is on the wire when the process dies.
        api.latency = 0.5
        await tap(api, fourth, message_id, answer_button(fourth, answers[3]))
        edit = await api.wait_for("editMessageText", question(5, message_id))
        first.proc.send_signal(signal.SIGKILL)
        assert await first.proc.wait() == -signal.SIGKILL
        api.latency = 0.0

    async with bot_process(second_run, env) as second:
        since = len(api.calls)
        await api.wait_for("getUpdates", since=since, timeout=START_SECONDS)
        # The fourth question's button once more (the person's retry) is refused ...
        stale = await tap(api, fourth, message_id, answer_button(fourth, answers[3]))
        refused = await api.wait_for(
            "answerCallbackQuery", lambda p: p.get("callback_query_id") == stale, since=since
        )
        assert STALE_QUESTION in str(refused.params.get("text"))
        # ... and the question on the screen takes the next answer.
        await tap(api, edit.params, message_id, answer_button(edit.params, answers[4]))
        await api.wait_for("editMessageText", question(6, message_id), since=since)
        assert await second.stop() == 0
    logs = first.log() + second.log()

    with contextlib.closing(sqlite3.connect(database)) as conn:
        row = conn.execute("SELECT data FROM fsm_state WHERE user_id = ?", (USER_ID,)).fetchone()
    progress = json.loads(row[0])["quiz"]
    assert progress["position"] == 5
    assert progress["answers"] == [*answers, *[None] * 25]
    assert "Traceback" not in logs
    # A DEBUG log of the real process is where a token in a URL would show up.
    assert SECRET_TOKEN not in logs and SECRET_TOKEN.split(":")[1] not in logs
