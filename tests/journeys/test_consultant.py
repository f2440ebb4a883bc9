"""The consultant relay: a person's question reaches the consultants' chat, and a reply to it
comes back to the person."""

from __future__ import annotations

import pytest
from aiogram.methods import CopyMessage, SendMessage

from bot.runtime.offline import ChatSimulator, OfflineSession
from storage.db import Database
from tests.support.chat import last_to_staff, onboard, staff_texts

# Applications and questions go to the consultants' chat, as in production.
pytestmark = pytest.mark.staff_chat


async def test_a_question_reaches_the_consultants_and_the_reply_comes_back(
    client: ChatSimulator, staff: ChatSimulator, session: OfflineSession
) -> None:
    await onboard(client)
    await client.click("Живой консультант")
    await client.send("Как записаться на сварщика?")
    assert client.last_text.startswith("Отправил консультанту ✅")
    # The header and the person's words are one message: they cannot be mixed up.
    question = last_to_staff(session)
    assert isinstance(question.method, SendMessage)
    text = question.method.text
    assert "Вопрос" in text and f"tg://user?id={client.user.id}" in text
    assert text.endswith("<blockquote>Как записаться на сварщика?</blockquote>")

    await client.send_document("справка.pdf", b"%PDF-1.4 test")
    copy = last_to_staff(session)
    assert isinstance(copy.method, CopyMessage) and copy.method.from_chat_id == client.user.id
    assert f"tg://user?id={client.user.id}" in (copy.method.caption or "")  # its own header

    assert question.result is not None
    replies = await staff.reply(question.result.message_id, "Позвоните нам завтра")
    assert staff_texts(session)[-1] == "✅ Доставлено."
    to_person = [
        r for r in session.requests[-6:] if getattr(r.method, "chat_id", None) == client.user.id
    ]
    assert any(
        isinstance(r.method, SendMessage) and "Ответ консультанта" in r.method.text
        for r in to_person
    )
    assert any(isinstance(r.method, CopyMessage) for r in to_person)
    assert replies  # the staff chat saw the confirmation

    await staff.send("коллеги, кто сегодня дежурит?")  # staff talk is not answered
    assert staff_texts(session)[-1] == "✅ Доставлено."
    await client.click("Завершить разговор")
    assert "Разговор завершён" in client.last_text or "завершён" in client.last_text
    await client.send("абырвалг")
    assert "Не уверен, что понял" in client.last_text  # no longer relayed


async def test_a_reply_to_a_person_who_blocked_the_bot_says_so(
    client: ChatSimulator, staff: ChatSimulator, session: OfflineSession, db: Database
) -> None:
    await onboard(client)
    await client.send("/consult")
    await client.send("Вопрос")
    question = last_to_staff(session)
    assert question.result is not None
    session.queue_response(
        SendMessage, status=403, ok=False, description="Forbidden: bot was blocked by the user"
    )
    await staff.reply(question.result.message_id, "Ответ")
    assert staff_texts(session)[-1] == "Не доставлено: человек заблокировал бота."
    async with db.autocommit() as repos:
        row = await repos.users.get(client.user.id)
    assert row is not None and row.is_blocked
