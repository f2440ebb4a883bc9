"""/forget reaches into the staff chat: the bot deletes its own messages about the person
where Telegram allows it, says plainly what may remain (messages too old to delete,
applications the centre already has), and a later reply to such a message tells the
consultant that the person deleted their data."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import AnswerCallbackQuery, CopyMessage, DeleteMessage, SendMessage
from aiogram.types import Chat

from bot.config import Settings
from bot.runtime.offline import ChatSimulator, OfflineSession, Request
from storage.db import Database
from tests.conftest import make_settings
from tests.support.sql import raw_connection

STAFF_CHAT = -1001234567890


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, consultant_chat_id=STAFF_CHAT)


@pytest.fixture
def staff(dispatcher: Dispatcher, bot: Bot, session: OfflineSession) -> ChatSimulator:
    group = Chat(id=STAFF_CHAT, type="supergroup", title="Консультанты ЦОПП")
    return ChatSimulator(
        dispatcher, bot, session, user_id=4242, first_name="Консультант", chat=group
    )


def to_staff(session: OfflineSession) -> list[Request]:
    return [
        r
        for r in session.requests
        if isinstance(r.method, SendMessage | CopyMessage) and r.method.chat_id == STAFF_CHAT
    ]


async def count(db: Database, sql: str, *args: object) -> int:
    async with db.autocommit() as repos:
        rows = list(await raw_connection(repos).execute_fetchall(sql, args))
    return int(rows[0][0])


async def leave_traces(client: ChatSimulator) -> list[int]:
    """A question, a sticker (header + copy) and an application: the staff-chat message ids."""
    await client.send("/start")
    await client.click("Даю согласие")
    await client.click("Ищу работу")
    await client.send("/consult")
    await client.send("Можно учиться по вечерам?")
    await client.send_sticker()
    await client.click("Завершить разговор")
    await client.send_callback("pg:card:sample-041:0")
    await client.click("Подать заявку")
    await client.click("Да, передать")
    await client.send("+7 912 345 67 89")
    assert "отправлена" in client.last_text
    return [r.result.message_id for r in to_staff(client.session)]


async def test_forget_deletes_the_staff_messages_and_says_what_the_centre_keeps(
    client: ChatSimulator, staff: ChatSimulator, session: OfflineSession, db: Database
) -> None:
    ids = await leave_traces(client)
    assert len(ids) == 4
    await client.send("/forget")
    assert "в чате консультантов" in client.last_text and "нельзя" in client.last_text
    # The oldest one is past Telegram's 48 hours.
    session.queue_response(
        DeleteMessage, status=400, ok=False, description="Bad Request: message can't be deleted"
    )
    replies = await client.click("Да, удалить всё")
    assert sum(isinstance(r.method, AnswerCallbackQuery) for r in replies) == 1
    deleted = [r.method for r in session.requests if isinstance(r.method, DeleteMessage)]
    assert [(d.chat_id, d.message_id) for d in deleted] == [(STAFF_CHAT, i) for i in sorted(ids)]
    text = client.last_text
    assert "удалены" in text
    assert "Удалено сообщений о вас в чате консультантов: 3." in text
    assert "Не удалось удалить сообщений в чате консультантов: 1" in text
    assert "Заявок, уже переданных центру: 1" in text and "обратитесь в центр" in text
    assert await count(db, "SELECT count(*) FROM consultant_messages") == 0
    assert await count(db, "SELECT count(*) FROM lead_outbox") == 0
    assert await count(db, "SELECT count(*) FROM leads") == 0
    assert await count(db, "SELECT count(*) FROM forgotten_messages") == 4

    # A consultant answers the message that could not be deleted.
    since = len(session.requests)
    await staff.reply(min(ids), "Да, можно")
    note = [r.method.text for r in to_staff(session) if isinstance(r.method, SendMessage)][-1]
    assert note.startswith("Не доставлено: человек удалил свои данные из бота")
    assert all(
        getattr(r.method, "chat_id", None) != client.user.id for r in session.requests[since:]
    )


async def test_forget_without_staff_messages_is_one_short_answer(
    client: ChatSimulator, session: OfflineSession
) -> None:
    await client.send("/start")
    await client.send("/forget")
    replies = await client.click("Да, удалить всё")
    assert sum(isinstance(r.method, AnswerCallbackQuery) for r in replies) == 1
    assert client.last_text == (
        "Готово: все данные о вас в боте удалены.\nЧтобы начать заново, отправьте /start."
    )
    assert not [r for r in session.requests if isinstance(r.method, DeleteMessage)]
