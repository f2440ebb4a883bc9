"""Fault record: a consultant's answer reaches exactly the person whose words they answered,
through the real `python -m bot` process against the fake Bot API over HTTP.

Two, then ten people ask at once — texts, photos with captions, stickers and contacts,
interleaved — and a few consultants answer every message the bot put into the group by
replying to it. Counted: staff messages whose header names someone other than the author of
the words shown with it (mixed, must be 0), and answers delivered to someone other than the
person the answered message showed (misrouted, must be 0). One person's text imitates a header.

Closing note (2-core machine): 2 people — 5 staff messages, mixed 0, misrouted 0; 10 people —
26 staff messages, mixed 0, misrouted 0; every reply got «✅ Доставлено».
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.bot_api_wire import Params
from tests.support.fake_api import Call, FakeBotApi
from tests.support.processes import TOKEN, bot_env, bot_process

STAFF_CHAT = -1001234567890
ADMIN = 9001
BOT_ID = int(TOKEN.split(":")[0])
CONSULTANTS = (4241, 4242, 4243, 4244, 4245)
GROUP = {"id": STAFF_CHAT, "type": "supergroup", "title": "Консультанты ЦОПП"}
_IDS = itertools.count(50_000_000)
_PERSON = re.compile(r"tg://user\?id=(\d+)")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


def private(user_id: int, **content: Any) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": f"Человек {user_id}",
            "language_code": "ru"}  # fmt: skip
    return {
        "message": {
            "message_id": next(_IDS),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": user["first_name"]},
            "from": user,
            **content,
        }
    }


def second_message(user_id: int, number: int) -> dict[str, Any]:
    """Each person's second message, of a kind picked by their number."""
    kind = number % 3
    if kind == 0:
        photo = [{"file_id": f"ph{user_id}", "file_unique_id": f"ph{user_id}", "width": 640,
                  "height": 480}]  # fmt: skip
        return private(user_id, photo=photo, caption=f"Фото от человека {user_id}")
    if kind == 1:
        sticker = {"file_id": "st", "file_unique_id": "st", "type": "regular", "width": 512,
                   "height": 512, "is_animated": False, "is_video": False}  # fmt: skip
        return private(user_id, sticker=sticker)
    contact = {"phone_number": "+79120000000", "first_name": "Мама", "user_id": 1}
    return private(user_id, contact=contact)


def reply_in_group(consultant: int, to_message_id: int) -> dict[str, Any]:
    return {
        "message": {
            "message_id": next(_IDS),
            "date": int(time.time()),
            "chat": GROUP,
            "from": {"id": consultant, "is_bot": False, "first_name": "Консультант"},
            "text": f"Ответ на {to_message_id}",
            "reply_to_message": {
                "message_id": to_message_id,
                "date": int(time.time()),
                "chat": GROUP,
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "ЦОПП"},
            },
        }
    }


def staff_messages(api: FakeBotApi, since: int) -> list[Call]:
    return [
        c
        for c in api.calls[since:]
        if c.method in ("sendMessage", "copyMessage")
        and c.params.get("chat_id") == STAFF_CHAT
        and c.status == 200
    ]


def shown_author(call: Call, headers: dict[int, int]) -> tuple[int, bool]:
    """Whose words the consultant sees in this staff message, and whether everything shown
    with them names that same person (a header over someone else's words is a mix-up)."""
    params = call.params
    if call.method == "copyMessage":
        author = int(params["from_chat_id"])
        in_caption = [int(n) for n in _PERSON.findall(str(params.get("caption") or ""))]
        reply_to = (params.get("reply_parameters") or {}).get("message_id")
        consistent = all(n == author for n in in_caption) and (
            reply_to is None or headers.get(int(reply_to)) == author
        )
        return author, consistent and (bool(in_caption) or reply_to is not None)
    text = str(params["text"])
    header, _, words = text.partition("<blockquote>")
    (named,) = {int(n) for n in _PERSON.findall(header)}
    if words:
        return named, f"от человека {named}" in words
    return named, True  # a header whose copy follows as a reply to it


async def wait_until(condition: Any, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def ask_and_answer(api: FakeBotApi, people: list[int]) -> tuple[int, int, int]:
    """Everyone asks at once; every staff message is answered. (staff messages, mixed,
    misrouted)."""
    for user_id in people:
        api.push_update(private(user_id, text="/consult", entities=[
            {"type": "bot_command", "offset": 0, "length": 8}]))  # fmt: skip
    await wait_until(
        lambda: len([c for c in api.calls_of("sendMessage")
                     if c.params.get("chat_id") in people
                     and "Напишите ваш вопрос" in str(c.params.get("text"))]) >= len(people)
    )  # fmt: skip
    since = len(api.calls)
    for number, user_id in enumerate(people):  # interleaved: first everyone's text, then more
        words = f"Вопрос от человека {user_id}: можно ли учиться по вечерам?"
        if number == 0:
            words = f"❓ Вопрос от Человек {people[-1]} (id {people[-1]})\n" + words
        api.push_update(private(user_id, text=words))
    for number, user_id in enumerate(people):
        api.push_update(second_message(user_id, number))
    await wait_until(
        lambda: len([c for c in api.calls[since:] if c.method == "sendMessage"
                     and c.params.get("chat_id") in people
                     and "Отправил консультанту" in str(c.params.get("text"))]) >= 2 * len(people)
    )  # fmt: skip
    posted = staff_messages(api, since)
    headers: dict[int, int] = {}
    for call in posted:
        if call.method == "sendMessage" and "<blockquote>" not in str(call.params["text"]):
            (named,) = {int(n) for n in _PERSON.findall(str(call.params["text"]))}
            headers[int(call.result["message_id"])] = named

    mixed = misrouted = 0
    for call, consultant in zip(posted, itertools.cycle(CONSULTANTS), strict=False):
        author, consistent = shown_author(call, headers)
        mixed += not consistent
        message_id = int(call.result["message_id"])
        mark = len(api.calls)
        reply = api.push_update(reply_in_group(consultant, message_id))
        reply_id = reply["message"]["message_id"]

        def is_answer(params: Params, reply_id: int = reply_id) -> bool:
            return (
                params.get("from_chat_id") == STAFF_CHAT and params.get("message_id") == reply_id
            )

        answer = await api.wait_for("copyMessage", is_answer, since=mark)
        misrouted += answer.params["chat_id"] != author
        await api.wait_for(
            "sendMessage",
            lambda p: p.get("chat_id") == STAFF_CHAT and "Доставлено" in str(p.get("text")),
            since=mark,
        )
        await asyncio.sleep(0.1)  # consultants type like people
    return len(posted), mixed, misrouted


@pytest.mark.parametrize("count", [2, 10])
async def test_people_asking_at_once_get_exactly_their_own_answers(
    api: FakeBotApi, tmp_path: Path, count: int
) -> None:
    env = bot_env(tmp_path, api.url, CONSULTANT_CHAT_ID=str(STAFF_CHAT), ADMIN_IDS=str(ADMIN))
    people = [6000 + n for n in range(count)]
    async with bot_process(tmp_path, env) as bot:
        await api.wait_for("getUpdates", timeout=15)
        posted, mixed, misrouted = await ask_and_answer(api, people)
        assert await bot.stop() == 0
    print(f"{count} people: {posted} staff messages, mixed {mixed}, misrouted {misrouted}")
    # A text is one message; a photo carries its header; a sticker or contact comes as a
    # header and a copy replying to it.
    twos = sum(n % 3 != 0 for n in range(count))
    assert posted == count + (count - twos) + 2 * twos
    assert mixed == 0
    assert misrouted == 0
    assert "Traceback" not in bot.log()
