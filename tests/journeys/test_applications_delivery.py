"""Applications as promises, through the real dispatcher: an application counts as sent only
when a staff chat accepted it; otherwise the person reads that it is saved, the outbox retries
it, the admins are told once, `/leads` lists it with «Отправить ещё раз», and the person hears
when it arrives. Applying again sends a fresh notice; withdrawing sends the staff a note."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import (
    AnswerCallbackQuery,
    CopyMessage,
    DeleteMessage,
    SendMessage,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType

from bot.app import create_dispatcher
from bot.config import Settings
from bot.runtime.offline import ChatSimulator, OfflineSession, Request
from bot.runtime.services import Services
from bot.workers.outbox import LeadOutbox
from storage.db import Database
from tests.conftest import ADMIN_ID, MakeClient, make_settings

STAFF_CHAT = -1001234567890
NOT_A_MEMBER = "Forbidden: bot is not a member of the supergroup chat"
SAVED = "сохранена, но передать её консультантам прямо сейчас не получилось"
SENT = "Заявка на «Младшая медицинская сестра по уходу за больными» отправлена"
ARRIVED = "дошла до консультантов"


class StaffSession(OfflineSession):
    """The offline Bot API, where chats in `refusing` answer every post with a 403, as
    Telegram does for a group the bot is not (or no longer) a member of."""

    def __init__(self) -> None:
        super().__init__()
        self.refusing: set[int] = set()

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        posting = isinstance(method, SendMessage | CopyMessage | DeleteMessage)
        if posting and getattr(method, "chat_id", None) in self.refusing:
            self.queue_response(type(method), status=403, ok=False, description=NOT_A_MEMBER)
        return await super().make_request(bot, method, timeout)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, consultant_chat_id=STAFF_CHAT)


@pytest.fixture
def session() -> StaffSession:
    return StaffSession()


def outbox_of(dispatcher: Dispatcher) -> LeadOutbox:
    services: Services = dispatcher["services"]
    return services.lead_outbox


def later(outbox: LeadOutbox, hours: float) -> None:
    """Move the outbox's clock: every retry pause is over."""
    outbox.clock = lambda: time.time() + hours * 3600


def sent_to(session: OfflineSession, chat_id: int) -> list[Request]:
    """Successful posts of the bot into a chat (refused ones have no result)."""
    return [
        r
        for r in session.requests
        if isinstance(r.method, SendMessage | CopyMessage)
        and r.method.chat_id == chat_id
        and r.result is not None
    ]


def texts_to(session: OfflineSession, chat_id: int) -> list[str]:
    return [r.method.text for r in sent_to(session, chat_id) if isinstance(r.method, SendMessage)]


async def onboard(client: ChatSimulator) -> None:
    await client.send("/start")
    await client.click("Даю согласие")
    await client.click("Ищу работу")


async def apply(
    client: ChatSimulator, program: str = "sample-041", phone: str = "+7 912 345 67 89"
) -> str:
    """Apply for a programme; returns what the person reads at the end."""
    await client.send_callback(f"pg:card:{program}:0")
    await client.click("Подать заявку")
    await client.click("Да, передать")
    await client.send(phone)
    return client.last_text


async def lead_rows(db: Database, user_id: int) -> list[Any]:
    async with db.autocommit() as repos:
        return await repos.leads.of_user(user_id)


async def test_when_the_bot_is_not_in_the_group_the_application_is_saved_retried_and_arrives(
    make_client: MakeClient, dispatcher: Dispatcher, session: StaffSession, db: Database, bot: Bot
) -> None:
    session.refusing.add(STAFF_CHAT)
    people = [await make_client(user_id=2000 + n, first_name=f"Человек {n}") for n in range(3)]
    for person in people:
        await onboard(person)
        answer = await apply(person)
        assert SAVED in answer and "+7 912 345-67-89" in answer
        assert "отправлена" not in answer and "позвонит или напишет" in answer
    assert texts_to(session, STAFF_CHAT) == []

    # The admins are told once per application, with the reason and where to look.
    alerts = texts_to(session, ADMIN_ID)
    assert len(alerts) == 3
    assert all("не дошла до консультантов" in a and NOT_A_MEMBER in a for a in alerts)
    assert all("/leads" in a for a in alerts)
    await people[0].send("/my")
    assert "ещё не передана консультантам" in people[0].last_text

    outbox = outbox_of(dispatcher)
    later(outbox, 1)
    assert await outbox.tick(bot) == 0  # the group still refuses: retried, nobody told again
    assert len(texts_to(session, ADMIN_ID)) == 3

    session.refusing.clear()  # the bot is added to the group
    later(outbox, 2)
    assert await outbox.tick(bot) == 3
    notices = texts_to(session, STAFF_CHAT)
    assert len(notices) == 3 and all("<b>Новая заявка</b>" in n for n in notices)
    for person in people:
        (told,) = [
            t for t in texts_to(session, person.user.id) if ARRIVED in t
        ]  # the person hears that it arrived
        assert "+7 912 345-67-89" in told
        (lead,) = await lead_rows(db, person.user.id)
        assert lead.delivered and lead.delivered_at is not None
    await people[1].send("/my")
    assert "передана консультантам" in people[1].last_text
    assert await outbox.tick(bot) == 0  # nothing sent twice
    assert len(texts_to(session, STAFF_CHAT)) == 3


async def test_without_any_staff_chat_the_application_waits_and_goes_out_once_there_is_one(
    tmp_path: Path, db: Database, bot: Bot, session: StaffSession
) -> None:
    alone = make_settings(tmp_path, admin_ids=frozenset())
    client = ChatSimulator(create_dispatcher(alone, db, throttle=False), bot, session)
    await onboard(client)
    answer = await apply(client)
    assert SAVED in answer
    posted = {
        r.method.chat_id
        for r in session.requests
        if isinstance(r.method, SendMessage | CopyMessage)
    }
    assert posted == {client.user.id}  # nobody else to write to

    # The operator sets CONSULTANT_CHAT_ID and restarts: the waiting application goes out.
    configured = make_settings(tmp_path, admin_ids=frozenset(), consultant_chat_id=STAFF_CHAT)
    restarted = create_dispatcher(configured, db, throttle=False)
    outbox = outbox_of(restarted)
    later(outbox, 1)
    assert await outbox.tick(bot) == 1
    (notice,) = texts_to(session, STAFF_CHAT)
    assert "<b>Новая заявка</b>" in notice and "+7 912 345-67-89" in notice
    assert any(ARRIVED in t for t in texts_to(session, client.user.id))


async def test_applying_again_sends_a_fresh_notice_and_withdrawing_sends_a_note(
    client: ChatSimulator, staff: ChatSimulator, session: StaffSession, db: Database
) -> None:
    await onboard(client)
    assert SENT in await apply(client)
    await client.send_callback("pg:card:sample-041:0")
    await client.click("Подать заявку")
    assert "Вы подавали заявку на эту программу" in client.last_text
    assert "передана консультантам" in client.last_text  # what became of the first one
    await client.click("Да, передать")
    await client.send("8 900 000 00 01")
    assert SENT in client.last_text
    first, again = texts_to(session, STAFF_CHAT)
    assert "<b>Новая заявка</b>" in first
    assert "<b>Повторная заявка</b>" in again and "+7 900 000-00-01" in again
    (lead,) = await lead_rows(db, client.user.id)
    assert lead.times == 2 and lead.phone == "+79000000001"

    await client.send("/my")
    assert client.last_text.count("•") == 1
    await client.click("Отозвать: Младшая")
    assert "Отозвать заявку на «Младшая медицинская" in client.last_text
    await client.click("Да, отозвать")
    assert "отозвана" in client.last_text and "Консультанты получат сообщение" in client.last_text
    note = sent_to(session, STAFF_CHAT)[-1]
    assert isinstance(note.method, SendMessage)
    assert "<b>Заявка #" in note.method.text and "отозвана" in note.method.text
    reply_to = note.method.reply_parameters
    lead_message = sent_to(session, STAFF_CHAT)[-2].result
    assert reply_to is not None and reply_to.message_id == lead_message.message_id
    await client.send("/my")
    assert "отозвана" in client.last_text and "Отозвать:" not in " ".join(client.button_labels())

    # The note is linked to the person too: a consultant may answer it.
    assert note.result is not None
    await staff.reply(note.result.message_id, "Жаль! Если передумаете — пишите.")
    assert texts_to(session, STAFF_CHAT)[-1] == "✅ Доставлено."


async def test_withdrawing_before_it_arrived_sends_the_staff_nothing(
    client: ChatSimulator, dispatcher: Dispatcher, session: StaffSession, bot: Bot
) -> None:
    await onboard(client)
    session.refusing.add(STAFF_CHAT)
    assert SAVED in await apply(client)
    await client.send("/my")
    await client.click("Отозвать: Младшая")
    await client.click("Да, отозвать")
    assert "До консультантов она ещё не дошла" in client.last_text
    session.refusing.clear()
    outbox = outbox_of(dispatcher)
    later(outbox, 1)
    assert await outbox.tick(bot) == 0
    assert texts_to(session, STAFF_CHAT) == []


async def test_a_forged_withdrawal_of_someone_elses_application_changes_nothing(
    make_client: MakeClient, session: StaffSession, db: Database
) -> None:
    owner = await make_client(user_id=3001, first_name="Анна")
    await onboard(owner)
    await apply(owner)
    (lead,) = await lead_rows(db, owner.user.id)
    other = await make_client(user_id=3002, first_name="Борис")
    await onboard(other)
    for action in ("wd", "yes"):
        replies = await other.send_callback(f"ml:{action}:{lead.id}")
        answers = [r.method for r in replies if isinstance(r.method, AnswerCallbackQuery)]
        assert len(answers) == 1 and "уже отозвана или удалена" in str(answers[0].text)
    (unchanged,) = await lead_rows(db, owner.user.id)
    assert not unchanged.withdrawn
    for forged in ("ml:yes:0", "ml:yes:-1", "ml:yes:" + "9" * 30):
        replies = await other.send_callback(forged)
        assert sum(isinstance(r.method, AnswerCallbackQuery) for r in replies) == 1


async def test_a_consultants_reply_to_an_application_reaches_the_person(
    client: ChatSimulator, staff: ChatSimulator, session: StaffSession
) -> None:
    await onboard(client)
    await apply(client)
    (notice,) = sent_to(session, STAFF_CHAT)
    assert "Ответьте на это сообщение" in texts_to(session, STAFF_CHAT)[0]
    assert notice.result is not None
    await staff.reply(notice.result.message_id, "Анна, перезвоню завтра в 10:00")
    assert texts_to(session, STAFF_CHAT)[-1] == "✅ Доставлено."
    header, copy = [r.method for r in sent_to(session, client.user.id)[-2:]]
    assert isinstance(header, SendMessage) and "Ответ консультанта" in header.text
    assert isinstance(copy, CopyMessage) and copy.from_chat_id == STAFF_CHAT


async def test_leads_lists_what_has_not_arrived_and_sends_it_again(
    make_client: MakeClient, session: StaffSession
) -> None:
    person = await make_client(user_id=3101, first_name="Вера")
    await onboard(person)
    session.refusing.add(STAFF_CHAT)
    await apply(person)
    admin = await make_client(user_id=ADMIN_ID, first_name="Админ")
    await admin.send("/leads")
    listing = admin.last_text
    assert "<b>Не переданы консультантам: 1</b>" in listing
    assert "Вера" in listing and "+7 912 345-67-89" in listing and NOT_A_MEMBER in listing
    assert "🔁 Отправить ещё раз #1" in admin.button_labels()

    replies = await admin.click("Отправить ещё раз #1")
    (answer,) = [r.method for r in replies if isinstance(r.method, AnswerCallbackQuery)]
    assert answer.text is not None and answer.text.startswith("Снова не доставлено")

    # Someone who is not an admin (any more) cannot press it.
    outsider = await make_client(user_id=3102, first_name="Гость")
    session.refusing.clear()
    replies = await outsider.send_callback("ld:retry:1")
    assert sum(isinstance(r.method, AnswerCallbackQuery) for r in replies) == 1
    assert texts_to(session, STAFF_CHAT) == []

    replies = await admin.click("Отправить ещё раз #1")
    (answer,) = [r.method for r in replies if isinstance(r.method, AnswerCallbackQuery)]
    assert answer.text == "✅ Заявка #1 дошла до консультантов."
    assert admin.last_text == "✅ Все заявки дошли до консультантов."
    assert len(texts_to(session, STAFF_CHAT)) == 1
    assert any(ARRIVED in t for t in texts_to(session, person.user.id))
