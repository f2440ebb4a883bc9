"""Two centres with their own admins and staff chats, through the real dispatcher: a network
admin sets a centre up with bot commands; an application for centre A reaches only A's chat;
A's staff set its status with the buttons under it and the person reads it in /my; B's admin
can neither see nor change A's applications, programmes or numbers (forged taps and crafted
files included); a centre admin removed by a network admin loses access on the next tap."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import AnswerCallbackQuery, SendDocument, SendMessage, SendPhoto
from aiogram.types import Chat, Contact, MessageOriginHiddenUser, MessageOriginUser, User

from bot.config import Settings
from bot.runtime.offline import ChatSimulator, OfflineSession, Request
from bot.services import centre_admins
from bot.services.centre_admins import Stage
from handlers.admin.callbacks import (
    BroadcastAction,
    BroadcastCb,
    LeadsAction,
    LeadsCb,
    StageAction,
    StageCb,
)
from storage.db import Database
from tests.support.catalogue_files import staff_csv, staff_row
from tests.support.chat import MakeClient
from tests.support.settings import ADMIN_ID, STAFF_CHAT, make_settings
from tests.support.sql import execute, query

CENTRE_A, PROGRAMME_A = "copp-perm-krai", "sample-041"  # ЦОПП Пермского края
CENTRE_B, PROGRAMME_B = "copp-sverdlovsk-oblast", "sample-001"
CHAT_A, CHAT_B = -1001000000001, -1001000000002
ADMIN_A, ADMIN_B, PERSON = 5001, 5002, 3001
UNKNOWN = "Не знаю команду"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, consultant_chat_id=STAFF_CHAT)


def group(
    dispatcher: Dispatcher, bot: Bot, session: OfflineSession, chat_id: int, user_id: int
) -> ChatSimulator:
    return ChatSimulator(
        dispatcher,
        bot,
        session,
        user_id=user_id,
        first_name="Сотрудник",
        chat=Chat(id=chat_id, type="supergroup", title="Сотрудники ЦОПП"),
    )


def see(chat: ChatSimulator) -> None:
    """Let a group simulator see what the bot posted there while others talked."""
    for request in chat.session.requests:
        if getattr(request.method, "chat_id", None) == chat.chat.id:
            chat._apply(request)


def texts_to(session: OfflineSession, chat_id: int) -> list[str]:
    return [
        r.method.text
        for r in session.requests
        if isinstance(r.method, SendMessage) and r.method.chat_id == chat_id
    ]


def alerts(replies: list[Request]) -> list[str]:
    return [
        r.method.text or ""
        for r in replies
        if isinstance(r.method, AnswerCallbackQuery) and r.method.show_alert
    ]


async def set_up_centre(
    network: ChatSimulator, staff_chat: ChatSimulator, search: str, admin_id: int
) -> None:
    """What README describes: /centres, find the centre, add its admin, get a code, /bind."""
    await network.send("/centres")
    await network.send(search)
    await network.click(search)
    await network.click("Добавить админа")
    await network.send(str(admin_id))
    assert "теперь админ" in "\n".join(m.text for m in network.messages.values())
    await network.click("Код для чата")
    code = re.search(r"/bind ([0-9a-f]+)", network.last_text)
    assert code is not None, network.last_text
    await staff_chat.send(f"/bind {code.group(1)}")
    assert "Теперь этот чат получает заявки" in staff_chat.last_text


async def onboard_and_apply(person: ChatSimulator, programme: str) -> None:
    await person.send("/start")
    await person.click("Даю согласие")
    await person.click("Ищу работу")
    await person.send_callback(f"pg:card:{programme}:0")
    await person.click("Подать заявку")
    await person.click("Да, передать")
    await person.send("+7 912 345 67 89")


@pytest.fixture
async def two_centres(
    make_client: MakeClient, dispatcher: Dispatcher, bot: Bot, session: OfflineSession
) -> dict[str, ChatSimulator]:
    network = await make_client(user_id=ADMIN_ID, first_name="Админ сети")
    chat_a = group(dispatcher, bot, session, CHAT_A, ADMIN_A)
    chat_b = group(dispatcher, bot, session, CHAT_B, ADMIN_B)
    await set_up_centre(network, chat_a, "Пермского", ADMIN_A)
    await network.click("Назад")
    await set_up_centre(network, chat_b, "Свердловской", ADMIN_B)
    return {
        "network": network,
        "chat_a": chat_a,
        "chat_b": chat_b,
        "admin_a": await make_client(user_id=ADMIN_A, first_name="Админ А"),
        "admin_b": await make_client(user_id=ADMIN_B, first_name="Админ Б"),
    }


async def test_a_lead_reaches_only_its_centres_chat_and_its_status_reaches_the_person(
    two_centres: dict[str, ChatSimulator], make_client: MakeClient, session: OfflineSession
) -> None:
    person = await make_client(user_id=PERSON, first_name="Оля")
    await onboard_and_apply(person, PROGRAMME_A)
    assert "отправлена" in person.last_text

    to_a = texts_to(session, CHAT_A)
    assert any("Новая заявка" in t and "Младшая медицинская сестра" in t for t in to_a)
    assert not any("Новая заявка" in t for t in texts_to(session, CHAT_B))
    assert not any("Новая заявка" in t for t in texts_to(session, STAFF_CHAT))

    chat_a = two_centres["chat_a"]
    see(chat_a)
    await chat_a.click("Связались")
    assert any("Центр отметил, что связался" in t for t in texts_to(session, PERSON))
    await person.send("/my")
    assert "центр связался с вами" in person.last_text

    see(chat_a)
    await chat_a.click("Отказ")  # the reasons come first, with a way back
    await chat_a.click("Назад")
    await chat_a.click("Отказ")
    await chat_a.click("Нет мест")
    assert any("закрыта (нет мест)" in t for t in texts_to(session, PERSON))
    await person.send("/my")
    assert "закрыта центром" in person.last_text and "нет мест" in person.last_text


async def test_another_centres_admin_and_chat_cannot_see_or_change_a_lead(
    two_centres: dict[str, ChatSimulator],
    make_client: MakeClient,
    session: OfflineSession,
    db: Database,
) -> None:
    person = await make_client(user_id=PERSON, first_name="Оля")
    await onboard_and_apply(person, PROGRAMME_A)
    async with db.autocommit() as repos:
        (lead,) = await repos.leads.of_user(PERSON)
    admin_b, chat_b = two_centres["admin_b"], two_centres["chat_b"]

    # B's /leads lists nothing of A.
    await admin_b.send("/leads")
    assert "Младшая медицинская сестра" not in admin_b.last_text

    # Forged status taps: from B's admin in private, and in B's staff chat.
    forged = StageCb(action=StageAction.set, lead=lead.id, stage=Stage.contacted).pack()
    replies = await admin_b.send_callback(forged)
    assert alerts(replies) == ["Менять это могут только сотрудники этого центра."]
    replies = await chat_b.send_callback(forged, message_id=None)
    assert alerts(replies) == ["Менять это могут только сотрудники этого центра."]
    reasons = StageCb(action=StageAction.set, lead=lead.id, stage=Stage.declined).pack()
    await chat_b.send_callback(reasons)
    retry = LeadsCb(action=LeadsAction.retry, lead=lead.id).pack()
    replies = await admin_b.send_callback(retry)
    assert alerts(replies) == ["Эта заявка не вашего центра."]
    async with db.autocommit() as repos:
        unchanged = await repos.leads.get(lead.id)
    assert unchanged is not None and unchanged.stage == "new"

    # B's /stats and /export hold only B.
    await admin_b.send("/stats")
    assert "Пермского" not in admin_b.last_text
    await admin_b.send("/export")
    exported = [r for r in session.requests if isinstance(r.method, SendDocument)]
    assert exported and "Пермского" not in admin_b.last_text

    # A crafted file: a row of A's centre, and A's programme id under B's centre code.
    rows = [
        staff_row("b-new-1", **{"Код центра": CENTRE_B}),
        staff_row("a-forged", **{"Код центра": CENTRE_A}),
        staff_row(PROGRAMME_A, **{"Код центра": CENTRE_B}),
    ]
    await admin_b.send_document("ours.csv", staff_csv(rows), caption="каталог")
    report = admin_b.last_text
    assert "ничего не загружено" in report
    assert "строка 3" in report and "строка 4" in report and "строка 2" not in report
    async with db.autocommit() as repos:
        programme = await repos.catalogue.program(PROGRAMME_A)
        assert await repos.catalogue.program("b-new-1") is None
    assert programme is not None and programme.center_id == CENTRE_A

    # B's own rows are fine, and «заменить» replaces only B's list.
    await admin_b.send_document(
        "ours.csv",
        staff_csv([staff_row("b-new-1", **{"Код центра": CENTRE_B})]),
        caption="каталог заменить",
    )
    assert "загружено" in admin_b.last_text and "ничего" not in admin_b.last_text
    async with db.autocommit() as repos:
        assert await repos.catalogue.program(PROGRAMME_B) is None  # B's old one replaced
        assert await repos.catalogue.program(PROGRAMME_A) is not None  # A's untouched


async def test_a_removed_centre_admin_loses_access_on_the_next_tap(
    two_centres: dict[str, ChatSimulator], db: Database
) -> None:
    network, admin_b = two_centres["network"], two_centres["admin_b"]
    await admin_b.send("/centres")
    assert "Свердловской" in admin_b.last_text
    assert "Добавить админа" not in " ".join(admin_b.button_labels())  # network admins only
    await network.click("Убрать")
    assert await centre_admins.role_of(db, network_settings(network), ADMIN_B) is None
    # The card B's admin still has on the screen no longer works.
    replies = await admin_b.click("Код для чата")
    assert not any("/bind" in (getattr(r.method, "text", "") or "") for r in replies)
    await admin_b.send("/leads")
    assert UNKNOWN in admin_b.last_text
    async with db.autocommit() as repos:
        actions = [row.action for row in await repos.audit.recent(50)]
    assert "centre.admin.remove" in actions and "centre.admin.add" in actions
    assert "centre.chat.bind" in actions


def network_settings(client: ChatSimulator) -> Settings:
    settings: Settings = client.dispatcher["services"].settings
    return settings


async def test_bind_needs_a_code_or_a_centre_admin(
    dispatcher: Dispatcher, bot: Bot, session: OfflineSession, db: Database
) -> None:
    stranger = group(dispatcher, bot, session, -1001000000009, 7777)
    await stranger.send("/bind")
    assert "Привязать чат может только админ центра" in stranger.last_text
    await stranger.send("/bind deadbeef")
    assert "Код неизвестен" in stranger.last_text
    await stranger.send("просто разговор")  # not bound: the bot stays silent
    assert "Код неизвестен" in stranger.last_text
    async with db.autocommit() as repos:
        assert await repos.centres.chats() == {}


async def test_a_question_goes_to_the_centre_of_the_persons_region(
    two_centres: dict[str, ChatSimulator], make_client: MakeClient, session: OfflineSession
) -> None:
    person = await make_client(user_id=PERSON, first_name="Оля")
    await person.send("/start")
    await person.click("Даю согласие")
    await person.click("Ищу работу")
    await person.send("/place")
    await person.send("Пермь")
    await person.send("/consult")
    await person.send("Как записаться на курсы?")
    assert any("Как записаться на курсы?" in t for t in texts_to(session, CHAT_A))
    assert not any("Как записаться" in t for t in texts_to(session, CHAT_B))
    assert not any("Как записаться" in t for t in texts_to(session, STAFF_CHAT))

    # A's staff answer by replying in their chat; the answer reaches the person.
    chat_a = two_centres["chat_a"]
    question = next(
        r
        for r in session.requests
        if isinstance(r.method, SendMessage)
        and r.method.chat_id == CHAT_A
        and "Как записаться" in (r.method.text or "")
    )
    assert question.result is not None
    await chat_a.reply(question.result.message_id, "Приходите во вторник")
    assert "Доставлено" in chat_a.last_text


async def test_an_untouched_lead_is_flagged_once_to_its_centres_admins(
    two_centres: dict[str, ChatSimulator],
    make_client: MakeClient,
    session: OfflineSession,
    dispatcher: Dispatcher,
    bot: Bot,
) -> None:
    person = await make_client(user_id=PERSON, first_name="Оля")
    await onboard_and_apply(person, PROGRAMME_A)
    flagger = dispatcher["services"].lead_flagger
    assert await flagger.tick(bot) == 0  # just arrived
    flagger.clock = lambda: datetime.now(UTC) + timedelta(days=5)  # 3+ working days later
    assert await flagger.tick(bot) == 1
    flags = [t for t in texts_to(session, ADMIN_A) if "ждёт уже 2 рабочих дня" in t]
    assert len(flags) == 1 and "Младшая медицинская сестра" in flags[0]
    assert not any("ждёт уже" in t for t in texts_to(session, ADMIN_B))
    assert await flagger.tick(bot) == 0  # once


async def test_the_network_admin_sees_centres_side_by_side(
    two_centres: dict[str, ChatSimulator], make_client: MakeClient, session: OfflineSession
) -> None:
    for number, programme in enumerate((PROGRAMME_A, PROGRAMME_A, PROGRAMME_B)):
        person = await make_client(user_id=PERSON + number, first_name="Оля")
        await onboard_and_apply(person, programme)
    see(two_centres["chat_a"])
    await two_centres["chat_a"].click("Связались")
    network = two_centres["network"]
    await network.send("/centrestats")
    table = next(t for t in texts_to(session, ADMIN_ID) if "Центры рядом" in t)
    perm, sverdlovsk = table.index("Пермского"), table.index("Свердловской")
    assert perm < sverdlovsk  # most applications first
    assert "заявок 2 · доставлено 2 · связались 1" in table
    assert "заявок 1 · доставлено 1 · связались 0" in table
    files = [
        r.method.document.filename  # type: ignore[union-attr]
        for r in session.requests
        if isinstance(r.method, SendDocument) and r.method.chat_id == ADMIN_ID
    ]
    assert "centres.xlsx" in files
    assert any(
        isinstance(r.method, SendPhoto) and r.method.chat_id == ADMIN_ID for r in session.requests
    )

    # A centre admin's /stats: their centre only.
    admin_a = two_centres["admin_a"]
    await admin_a.send("/stats")
    assert "Пермского" in admin_a.last_text and "Свердловской" not in admin_a.last_text


async def test_a_centre_admin_broadcasts_only_to_its_region_and_its_applicants(
    two_centres: dict[str, ChatSimulator], make_client: MakeClient, db: Database
) -> None:
    in_perm = await make_client(user_id=PERSON, first_name="Пермь")
    await onboard_and_apply(in_perm, PROGRAMME_B)  # lives in Perm, applied elsewhere
    await in_perm.send("/place")
    await in_perm.send("Пермь")
    applied = await make_client(user_id=PERSON + 1, first_name="Заявка")
    await onboard_and_apply(applied, PROGRAMME_A)  # no place, applied to A
    elsewhere = await make_client(user_id=PERSON + 2, first_name="Другой")
    await onboard_and_apply(elsewhere, PROGRAMME_B)
    await elsewhere.send("/place")
    await elsewhere.send("Екатеринбург")
    # A mailing reaches only people who asked for news; all three did.
    await execute(db, "UPDATE users SET news_opt_in = 1 WHERE id >= ?", PERSON)

    admin_a = two_centres["admin_a"]
    await admin_a.send("/broadcast")
    await admin_a.send("День открытых дверей в субботу!")
    assert "Пермского края» — 2" in admin_a.last_text
    assert admin_a.button_labels()[-2:] == ["🚀 Отправить сейчас", "✖️ Отменить"]
    await admin_a.click("Отправить сейчас")
    rows = await query(db, "SELECT user_id FROM broadcast_recipients ORDER BY user_id")
    assert rows == [(PERSON,), (PERSON + 1,)]
    (audience,) = await query(db, "SELECT audience FROM broadcasts")
    assert CENTRE_A in audience[0]

    # B's admin cannot pause A's broadcast with a forged button.
    (broadcast_id,) = (await query(db, "SELECT id FROM broadcasts"))[0]
    forged = BroadcastCb(action=BroadcastAction.cancel, id=broadcast_id).pack()
    replies = await two_centres["admin_b"].send_callback(forged)
    assert alerts(replies) == ["Это не ваша рассылка."]


async def test_a_centre_admin_is_named_by_a_forwarded_message_or_a_contact(
    make_client: MakeClient, db: Database
) -> None:
    network = await make_client(user_id=ADMIN_ID, first_name="Админ сети")
    await network.send("/centres")
    await network.send("Тульской")
    await network.click("Тульской")
    await network.click("Добавить админа")
    await network.send("не число")  # neither a forward, a contact nor an id: asked again
    assert "Перешлите сообщение этого человека" in network.last_text
    hidden = MessageOriginHiddenUser(date=datetime.now(UTC), sender_user_name="Скрытый")
    await network._send_message(text="привет", forward_origin=hidden)
    assert "скрывает аккаунт" in network.last_text
    shown = MessageOriginUser(
        date=datetime.now(UTC), sender_user=User(id=6001, is_bot=False, first_name="Ира")
    )
    await network._send_message(text="привет", forward_origin=shown)
    assert "6001 теперь админ" in "\n".join(m.text for m in network.messages.values())
    await network.click("Добавить админа")
    contact = Contact(phone_number="+79990000001", first_name="Петя", user_id=6002)
    await network._send_message(contact=contact)
    async with db.autocommit() as repos:
        admins = {a.user_id: a.center_id for a in await repos.centres.admins()}
    assert admins == {6001: "copp-tula-oblast", 6002: "copp-tula-oblast"}


async def test_a_tap_on_a_withdrawn_application_says_so(
    two_centres: dict[str, ChatSimulator], make_client: MakeClient, db: Database
) -> None:
    person = await make_client(user_id=PERSON, first_name="Оля")
    await onboard_and_apply(person, PROGRAMME_A)
    await person.send("/my")
    await person.click("Отозвать")
    await person.click("Да, отозвать")
    chat_a = two_centres["chat_a"]
    see(chat_a)
    replies = await chat_a.click("Связались")
    assert alerts(replies) == ["Человек отозвал эту заявку."]


async def test_a_chat_serving_one_centre_is_not_taken_by_another(
    two_centres: dict[str, ChatSimulator],
    dispatcher: Dispatcher,
    bot: Bot,
    session: OfflineSession,
    db: Database,
) -> None:
    # B's admin, also a member of A's group, sends /bind there: refused, A keeps its chat.
    b_in_a = group(dispatcher, bot, session, CHAT_A, ADMIN_B)
    await b_in_a.send("/bind")
    assert "уже получает заявки другого центра" in b_in_a.last_text
    await b_in_a.send("/unbind")
    assert "Отвязать чат может только админ этого центра" in b_in_a.last_text
    async with db.autocommit() as repos:
        assert await repos.centres.chats() == {CENTRE_A: CHAT_A, CENTRE_B: CHAT_B}
    await two_centres["chat_a"].send("/unbind")  # A's own admin may
    async with db.autocommit() as repos:
        assert await repos.centres.chats() == {CENTRE_B: CHAT_B}
