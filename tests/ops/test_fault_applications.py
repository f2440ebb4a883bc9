"""Fault record: applications are never lost, through the real `python -m bot` process
against the fake Bot API over HTTP.

Three ways an application used to be lost while the person read «отправлена»: the bot is not
in the consultants' group; there is no staff chat and no admin at all; the process is killed
while the notice is on the wire. In each, three people apply at once. What is measured: how
many applications never reach a staff chat in the end (lost, must be 0), and that nobody is
told «отправлена» before a staff chat accepted it.

Closing note (2-core machine, 3 people per mode): lost 0 of 3 when the bot is not in the group
(the admin is told once per application and sends them again from /leads), 0 of 3 without any
staff chat (they go out at the start after CONSULTANT_CHAT_ID is set), 0 of 3 after a SIGKILL
with all three notices on the wire (the restarted process sends them again at once; Telegram
had taken the first copies, so the staff see each application twice — at least once, by
design).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from handlers.programs.callbacks import ApplyAction, ApplyCb, ProgramAction, ProgramCb
from tests.support.bot_api_wire import Params
from tests.support.fake_api import Call, FakeBotApi
from tests.support.http_chat import buttons
from tests.support.processes import bot_env, bot_process

STAFF_CHAT = -1001234567890
ADMIN = 9001
PEOPLE = (5101, 5102, 5103)
PROGRAM = "sample-041"
PAUSE = 0.3  # between one person's messages: the bot throttles more than five a second
SAVED = "сохранена, но передать её консультантам"
SENT = "отправлена"
ARRIVED = "дошла до консультантов"
KILL_LATENCY = 5.0  # seconds Telegram takes to answer while the process is killed


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


def to(chat_id: int, text: str) -> Callable[[Params], bool]:
    return lambda p: p.get("chat_id") == chat_id and text in str(p.get("text", ""))


def offering(chat_id: int, data: str) -> Callable[[Params], bool]:
    return lambda p: (
        p.get("chat_id") == chat_id and any(b.get("callback_data") == data for b in buttons(p))
    )


async def tap(api: FakeBotApi, user_id: int, data: str, shown: Call | None = None) -> None:
    await asyncio.sleep(PAUSE)
    message_id = shown.result["message_id"] if shown is not None else None
    api.push_callback(user_id, data, message_id)


async def say(api: FakeBotApi, user_id: int, text: str) -> int:
    await asyncio.sleep(PAUSE)
    since = len(api.calls)
    api.push_message(user_id, text, first_name=f"Человек {user_id}")
    return since


async def apply_over_http(api: FakeBotApi, user_id: int, *, phone: bool = True) -> None:
    """Start, consent, role, the programme card, «Подать заявку», «Да, передать», the phone
    (unless `phone` is False: then the bot is left waiting for it)."""
    since = await say(api, user_id, "/start")
    consent = await api.wait_for("sendMessage", offering(user_id, "c:yes"), since=since)
    await tap(api, user_id, "c:yes", consent)
    role = await api.wait_for("sendMessage", to(user_id, "Кто вы?"), since=since)
    await tap(api, user_id, "r:adult", role)
    await api.wait_for("editMessageText", to(user_id, "Принято"), since=since)
    apply = ProgramCb(action=ProgramAction.apply, program=PROGRAM).pack()
    agree = ApplyCb(action=ApplyAction.agree, program=PROGRAM).pack()
    await tap(api, user_id, ProgramCb(action=ProgramAction.card, program=PROGRAM).pack())
    card = await api.wait_for("sendMessage", offering(user_id, apply), since=since)
    await tap(api, user_id, apply, card)
    await api.wait_for("editMessageText", offering(user_id, agree), since=since)
    await tap(api, user_id, agree, card)
    await api.wait_for("sendMessage", to(user_id, "Теперь ваш номер телефона"), since=since)
    if phone:
        await say(api, user_id, phone_of(user_id))


def phone_of(user_id: int) -> str:
    return f"+7 912 345 {user_id % 100:02d} 00"


async def final_answer(api: FakeBotApi, user_id: int) -> str:
    """What the person reads after typing the phone."""
    answer = await api.wait_for(
        "sendMessage", lambda p: to(user_id, SAVED)(p) or to(user_id, SENT)(p), timeout=20
    )
    return str(answer.params["text"])


async def wait_count(
    api: FakeBotApi, method: str, matches: Callable[[Params], bool], n: int, since: int = 0
) -> list[Call]:
    """Wait until `n` successful calls match; then they are returned."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while True:
        found = [
            c
            for c in api.calls[since:]
            if c.method == method and c.status == 200 and matches(c.params)
        ]
        if len(found) >= n or loop.time() > deadline:
            return found
        await asyncio.sleep(0.05)


def lost(database: Path) -> int:
    """Applications no staff chat has accepted."""
    with contextlib.closing(sqlite3.connect(database)) as conn:
        total = conn.execute("SELECT count(*) FROM leads").fetchone()[0]
        undelivered = conn.execute("SELECT count(*) FROM leads WHERE delivered = 0").fetchone()[0]
    assert total == len(PEOPLE)
    return int(undelivered)


def staff_notices(api: FakeBotApi) -> list[Call]:
    return [
        c
        for c in api.calls_of("sendMessage")
        if c.status == 200 and to(STAFF_CHAT, "Новая заявка")(c.params)
    ]


async def test_the_bot_outside_the_group_loses_nothing_and_the_admin_sends_them_again(
    api: FakeBotApi, tmp_path: Path
) -> None:
    database = tmp_path / "bot.sqlite3"
    env = bot_env(tmp_path, api.url, CONSULTANT_CHAT_ID=str(STAFF_CHAT), ADMIN_IDS=str(ADMIN))
    api.forbidden_chats.add(STAFF_CHAT)
    async with bot_process(tmp_path, env) as bot:
        await api.wait_for("getUpdates", timeout=15)
        await asyncio.gather(*(apply_over_http(api, user_id) for user_id in PEOPLE))
        answers = [await final_answer(api, user_id) for user_id in PEOPLE]
        assert all(SAVED in a and SENT not in a for a in answers), answers
        alerts = await wait_count(api, "sendMessage", to(ADMIN, "не дошла до консультантов"), 3)
        assert len(alerts) == 3
        assert lost(database) == 3  # not yet: the group refuses

        api.forbidden_chats.clear()  # the bot is added to the group
        since = len(api.calls)
        api.push_message(ADMIN, "/leads", first_name="Админ")
        listing = await api.wait_for("sendMessage", to(ADMIN, "Не переданы консультантам: 3"))
        retries = [b["callback_data"] for b in buttons(listing.params)]
        assert len(retries) == 3 and all(data.startswith("ld:retry:") for data in retries)
        for data in retries:
            await tap(api, ADMIN, data, listing)
        done = await wait_count(
            api, "answerCallbackQuery", lambda p: ARRIVED in str(p.get("text")), 3, since
        )
        assert len(done) == 3
        for user_id in PEOPLE:
            await api.wait_for("sendMessage", to(user_id, ARRIVED), since=since)
        assert await bot.stop() == 0
    assert lost(database) == 0
    assert len(staff_notices(api)) == 3
    assert len(alerts) == 3 and "Traceback" not in bot.log()


async def test_without_staff_chats_nothing_is_lost_and_it_goes_out_once_one_is_set(
    api: FakeBotApi, tmp_path: Path
) -> None:
    database = tmp_path / "bot.sqlite3"
    first_run, second_run = tmp_path / "run1", tmp_path / "run2"
    first_run.mkdir()
    second_run.mkdir()
    env = bot_env(tmp_path, api.url, ADMIN_IDS="", DATABASE_PATH=str(database))
    async with bot_process(first_run, env) as bot:
        await api.wait_for("getUpdates", timeout=15)
        await asyncio.gather(*(apply_over_http(api, user_id) for user_id in PEOPLE))
        answers = [await final_answer(api, user_id) for user_id in PEOPLE]
        assert all(SAVED in a for a in answers), answers
        assert await bot.stop() == 0
    posted_to = {c.params.get("chat_id") for c in api.calls_of("sendMessage")}
    assert posted_to == set(PEOPLE)  # nobody else to write to, and nothing sent anywhere
    assert lost(database) == 3

    since = len(api.calls)
    env["CONSULTANT_CHAT_ID"] = str(STAFF_CHAT)
    async with bot_process(second_run, env) as bot:
        notices = await wait_count(api, "sendMessage", to(STAFF_CHAT, "Новая заявка"), 3, since)
        assert len(notices) == 3
        for user_id in PEOPLE:
            await api.wait_for("sendMessage", to(user_id, ARRIVED), since=since)
        assert await bot.stop() == 0
    assert lost(database) == 0


async def test_a_kill_with_the_notices_on_the_wire_loses_nothing(
    api: FakeBotApi, tmp_path: Path
) -> None:
    database = tmp_path / "bot.sqlite3"
    first_run, second_run = tmp_path / "run1", tmp_path / "run2"
    first_run.mkdir()
    second_run.mkdir()
    env = bot_env(
        tmp_path,
        api.url,
        CONSULTANT_CHAT_ID=str(STAFF_CHAT),
        ADMIN_IDS=str(ADMIN),
        DATABASE_PATH=str(database),
    )
    async with bot_process(first_run, env) as first:
        await api.wait_for("getUpdates", timeout=15)
        await asyncio.gather(*(apply_over_http(api, user_id, phone=False) for user_id in PEOPLE))
        # Telegram takes the notices but its answers are slow: the process dies before any
        # answer arrives, so it cannot know that they were accepted.
        api.latency = KILL_LATENCY
        since = len(api.calls)
        for user_id in PEOPLE:
            api.push_message(user_id, phone_of(user_id), first_name=f"Человек {user_id}")
        on_the_wire = await wait_count(
            api, "sendMessage", to(STAFF_CHAT, "Новая заявка"), len(PEOPLE), since
        )
        assert len(on_the_wire) == len(PEOPLE)
        first.proc.send_signal(signal.SIGKILL)
        assert await first.proc.wait() == -signal.SIGKILL
        api.latency = 0.0
    with contextlib.closing(sqlite3.connect(database)) as conn:
        claimed = conn.execute(
            "SELECT count(*) FROM lead_outbox WHERE status = 'pending' AND claimed_by IS NOT NULL"
        ).fetchone()[0]
    assert claimed == len(PEOPLE)  # stored with their notices, which the dead process held
    assert lost(database) == len(PEOPLE)
    assert not [c for c in api.calls_of("sendMessage") if SENT in str(c.params.get("text"))]

    since = len(api.calls)
    async with bot_process(second_run, env) as second:
        notices = await wait_count(
            api, "sendMessage", to(STAFF_CHAT, "Новая заявка"), len(PEOPLE), since
        )
        assert len(notices) == len(PEOPLE)
        for user_id in PEOPLE:
            # They never got an answer before the kill: now they hear that it arrived.
            await api.wait_for("sendMessage", to(user_id, ARRIVED), since=since)
        assert await second.stop() == 0
    assert lost(database) == 0
    # At least once: what Telegram took just before the kill comes again, never a third time.
    numbers = [re.findall(r"#(\d+)", str(c.params["text"]))[0] for c in staff_notices(api)]
    assert sorted(set(numbers)) == sorted(str(n) for n in range(1, len(PEOPLE) + 1))
    assert max(numbers.count(n) for n in numbers) == 2
    assert "Traceback" not in second.log()
