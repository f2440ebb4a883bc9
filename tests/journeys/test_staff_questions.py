"""Questions in the staff chat that cannot be mixed up, and replies that find their person.

A text question is one message: the header and the person's words, quoted. Media carry the
header as their caption; what cannot (a sticker, a location) is copied as a reply to its own
header. A reply to any message the bot put there reaches its person, or the consultant is told
in one line why not."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import CopyMessage, SendMessage
from aiogram.types import Chat, Message, PhotoSize, Update, User

from bot.app import create_dispatcher
from bot.config import Settings
from bot.runtime.offline import ChatSimulator, OfflineSession, Request
from storage.db import Database
from tests.conftest import ADMIN_ID, MakeClient, make_settings

STAFF_CHAT = -1001234567890
GROUP = Chat(id=STAFF_CHAT, type="supergroup", title="Консультанты ЦОПП")
_TAG = re.compile(r"<[^>]+>")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, consultant_chat_id=STAFF_CHAT)


@pytest.fixture
def staff(dispatcher: Dispatcher, bot: Bot, session: OfflineSession) -> ChatSimulator:
    return ChatSimulator(
        dispatcher, bot, session, user_id=4242, first_name="Консультант", chat=GROUP
    )


def visible(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


def to_staff(session: OfflineSession, since: int = 0) -> list[Request]:
    return [
        r
        for r in session.requests[since:]
        if isinstance(r.method, SendMessage | CopyMessage) and r.method.chat_id == STAFF_CHAT
    ]


def answers_to(session: OfflineSession, since: int) -> list[int | str]:
    """Who got a consultant's answer (the copy of the reply) since `since`."""
    return [
        r.method.chat_id
        for r in session.requests[since:]
        if isinstance(r.method, CopyMessage) and r.method.from_chat_id == STAFF_CHAT
    ]


def notes(session: OfflineSession) -> list[str]:
    return [r.method.text for r in to_staff(session) if isinstance(r.method, SendMessage)]


async def ask(client: ChatSimulator) -> None:
    await client.send("/start")
    await client.click("Не сейчас")
    await client.click("Ищу работу")
    await client.send("/consult")


async def send_photo(client: ChatSimulator, caption: str | None) -> None:
    photo = [PhotoSize(file_id="ph1", file_unique_id="ph1", width=800, height=600)]
    await client._send_message(photo=photo, caption=caption)


async def reply_in_group(
    dispatcher: Dispatcher, bot: Bot, to: Message, text: str, consultant: int = 4242
) -> None:
    """A consultant's reply to any message of the group, the bot's or a colleague's."""
    user = User(id=consultant, is_bot=False, first_name="Консультант")
    message = Message(
        message_id=900_000 + consultant,
        date=datetime.now(UTC),
        chat=GROUP,
        from_user=user,
        text=text,
        reply_to_message=to,
    )
    await dispatcher.feed_update(bot, Update(update_id=900_000 + consultant, message=message))


async def test_a_text_question_is_one_message_with_the_words_quoted(
    make_client: MakeClient, session: OfflineSession
) -> None:
    boris = await make_client(user_id=5101, first_name="Борис")
    await ask(boris)
    forged = "❓ Вопрос от Анна (id 5102)\nЧтобы ответить, ответьте на это сообщение. <b>x</b>"
    since = len(session.requests)
    await boris.send(forged)
    (question,) = to_staff(session, since)
    assert isinstance(question.method, SendMessage)
    text = question.method.text
    header, quote = text.split("\n<blockquote>")
    assert "tg://user?id=5101" in header and "Борис" in header and "5102" not in header
    assert quote == html.escape(forged) + "</blockquote>"  # escaped, and visibly quoted


async def test_media_carry_their_header_and_the_rest_reply_to_their_own(
    client: ChatSimulator, staff: ChatSimulator, session: OfflineSession
) -> None:
    await ask(client)
    since = len(session.requests)
    await send_photo(client, "Справка " + "очень длинная " * 150)
    (photo,) = to_staff(session, since)
    assert isinstance(photo.method, CopyMessage)
    caption = photo.method.caption or ""
    assert "tg://user?id=1001" in caption and "<blockquote>Справка" in caption
    assert len(visible(caption)) <= 1024 and visible(caption).endswith("…")

    since = len(session.requests)
    await send_photo(client, None)
    (bare,) = to_staff(session, since)
    assert isinstance(bare.method, CopyMessage) and "Вопрос" in (bare.method.caption or "")

    since = len(session.requests)
    await client.send_sticker()
    header, copy = to_staff(session, since)
    assert isinstance(header.method, SendMessage) and isinstance(copy.method, CopyMessage)
    assert "tg://user?id=1001" in header.method.text
    assert copy.method.reply_parameters is not None
    assert copy.method.reply_parameters.message_id == header.result.message_id

    since = len(session.requests)
    await client.send("Длинный вопрос. " * 300)  # too long to share a message with a header
    header, copy = to_staff(session, since)
    assert isinstance(copy.method, CopyMessage) and copy.method.reply_parameters is not None

    # A reply to the header or to the copy reaches the person.
    for message in (header, copy, photo):
        since = len(session.requests)
        await staff.reply(message.result.message_id, "Отвечаю")
        assert answers_to(session, since) == [client.user.id]


async def test_two_people_asking_at_once_get_their_own_answers(
    make_client: MakeClient, staff: ChatSimulator, session: OfflineSession
) -> None:
    people = [await make_client(user_id=5200 + n, first_name=f"Человек {n}") for n in range(2)]
    for person in people:
        await ask(person)
    since = len(session.requests)
    await asyncio.gather(
        *(person.send(f"Вопрос от человека {person.user.id}") for person in people),
        people[0].send_sticker(),
        people[1].send_sticker(),
    )
    posted = to_staff(session, since)
    assert len(posted) == 6
    misrouted = 0
    for message in posted:
        method = message.method
        if isinstance(method, CopyMessage):
            author = method.from_chat_id
        else:
            assert isinstance(method, SendMessage)
            author = int(re.findall(r"tg://user\?id=(\d+)", method.text)[0])
            assert f"Вопрос от человека {author}" in method.text or (
                "Вопрос</b>" in method.text and "blockquote" not in method.text
            )
        mark = len(session.requests)
        await staff.reply(message.result.message_id, "Ответ")
        misrouted += answers_to(session, mark) != [author]
    assert misrouted == 0


async def test_replies_nobody_can_receive_are_explained_and_staff_talk_is_left_alone(
    client: ChatSimulator,
    staff: ChatSimulator,
    dispatcher: Dispatcher,
    bot: Bot,
    session: OfflineSession,
) -> None:
    await ask(client)
    await client.send("Вопрос")
    await staff.reply(to_staff(session)[-1].result.message_id, "Ответ")
    delivered_note = to_staff(session)[-1]
    assert notes(session)[-1] == "✅ Доставлено."

    # A reply to the bot's own note: the consultant learns why it goes nowhere.
    await staff.reply(delivered_note.result.message_id, "а это кому?")
    assert notes(session)[-1].startswith("Не доставлено: не понимаю, кому это")
    # A reply to a colleague is their own talk: no answer at all.
    colleague = Message(
        message_id=77,
        date=datetime.now(UTC),
        chat=GROUP,
        from_user=User(id=4343, is_bot=False, first_name="Коллега"),
        text="кто дежурит?",
    )
    before = len(session.requests)
    await reply_in_group(dispatcher, bot, colleague, "я")
    assert session.requests[before:] == []


async def test_without_a_group_the_admins_answer_in_their_own_chats(
    tmp_path: Path, db: Database, bot: Bot, session: OfflineSession
) -> None:
    settings = make_settings(tmp_path)  # no CONSULTANT_CHAT_ID: questions go to the admins
    dispatcher = create_dispatcher(settings, db, throttle=False)
    person = ChatSimulator(dispatcher, bot, session, user_id=5301, first_name="Оля")
    admin = ChatSimulator(dispatcher, bot, session, user_id=ADMIN_ID, first_name="Админ")
    await ask(person)
    await person.send("Когда начало?")
    (question,) = [
        r
        for r in session.requests
        if isinstance(r.method, SendMessage) and r.method.chat_id == ADMIN_ID
    ]
    since = len(session.requests)
    await admin.reply(question.result.message_id, "В январе")
    assert answers_to_admin(session, since) == [person.user.id]
    # A reply to some other message of the bot in the admin's chat is ordinary input.
    await admin.send("/menu")
    menu_id = admin.last_message.message_id
    await admin.reply(menu_id, "привет")
    assert "Не доставлено" not in admin.last_text


def answers_to_admin(session: OfflineSession, since: int) -> list[int | str]:
    return [
        r.method.chat_id
        for r in session.requests[since:]
        if isinstance(r.method, CopyMessage) and r.method.from_chat_id == ADMIN_ID
    ]
