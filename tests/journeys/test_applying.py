"""Applying for a programme: the phone typed or shared, the lead passed to the consultants'
chat once, and kept when there is no such chat."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.types import ReplyKeyboardMarkup

from bot.app import create_dispatcher
from bot.config import Settings
from bot.runtime.offline import ChatSimulator, OfflineSession
from storage.db import Database
from tests.support.chat import onboard, open_programme_card, sent_texts, staff_texts

# Applications and questions go to the consultants' chat, as in production.
pytestmark = pytest.mark.staff_chat


async def test_apply_passes_the_lead_to_the_consultant_chat_once(
    client: ChatSimulator, session: OfflineSession, db: Database
) -> None:
    await onboard(client)
    await open_programme_card(client)
    await client.click("Подать заявку")
    assert "Я передам консультантам центра" in client.last_text or "передам" in client.last_text
    await client.click("Да, передать")
    keyboard = client.reply_keyboard
    assert isinstance(keyboard, ReplyKeyboardMarkup) and keyboard.keyboard[0][0].request_contact

    await client.send("12345")
    assert "не похоже на номер" in client.last_text.lower()
    replies = await client.send("8 (912) 345-67-89")
    confirmation = sent_texts(replies)[-1]
    assert "Младшая медицинская сестра" in confirmation and "+7 912 345-67-89" in confirmation
    assert client.reply_keyboard is None

    (lead_text,) = staff_texts(session)
    assert "<b>Новая заявка</b>" in lead_text and "+7 912 345-67-89" in lead_text
    assert "ЦОПП Пермского края" in lead_text and f"tg://user?id={client.user.id}" in lead_text
    async with db.autocommit() as repos:
        (lead,) = await repos.leads.of_user(client.user.id)
    assert lead.delivered and lead.phone == "+79123456789" and lead.program_id == "sample-041"

    await open_programme_card(client)
    await client.click("Подать заявку")
    assert "Вы подавали заявку на эту программу" in client.last_text  # applying again is offered
    await client.send("/my")
    assert "<b>Ваши заявки</b>" in client.last_text and "Младшая медицинская" in client.last_text
    assert "передана консультантам" in client.last_text
    assert len(staff_texts(session)) == 1


async def test_apply_with_the_contact_button_and_a_foreign_contact(
    client: ChatSimulator, session: OfflineSession
) -> None:
    await onboard(client)
    await open_programme_card(client, "sample-016")
    await client.click("Подать заявку")
    await client.click("Да, передать")
    await client.send_contact("+1 202 555 0100")
    assert "российский номер" in client.last_text
    await client.click("Поделиться номером")  # the person's own number, from Telegram
    assert "+7 999 000-00-00" in client.last_text
    assert "онлайн" in staff_texts(session)[-1]


async def test_without_staff_chats_the_lead_is_kept(
    settings: Settings, db: Database, bot: Bot, session: OfflineSession
) -> None:
    alone = settings.model_copy(update={"consultant_chat_id": None, "admin_ids": frozenset()})
    client = ChatSimulator(create_dispatcher(alone, db, throttle=False), bot, session)
    await onboard(client)
    await open_programme_card(client)
    await client.click("Подать заявку")
    await client.click("Да, передать")
    await client.send("+7 912 345 67 89")
    async with db.autocommit() as repos:
        (lead,) = await repos.leads.of_user(client.user.id)
    assert not lead.delivered  # stored for staff to find, never lost
    await client.send("/consult")
    assert "консультант к этому боту пока не подключён" in client.last_text


async def test_location_to_centre_to_programme_to_application_in_one_go(
    client: ChatSimulator, session: OfflineSession
) -> None:
    await onboard(client)
    await client.click("Центры рядом")
    await client.click("Отправить геопозицию")  # Moscow: the simulator's location
    assert "<b>Центры ЦОПП рядом с вами</b>" in client.last_text
    assert "1. <b>ЦОПП Москвы</b> · планируется" in client.last_text  # planned, said so
    await client.click("2. ЦОПП Московской")
    assert "Город: Реутов" in client.last_text
    await client.click("Программы центра")
    first_programme = client.last_message.markup
    assert first_programme is not None
    await client.press(client.last_message.message_id, first_programme.inline_keyboard[0][0])
    await client.click("Подать заявку")
    await client.click("Да, передать")
    await client.click("Поделиться номером")
    lead = staff_texts(session)[-1]
    assert "<b>Новая заявка</b>" in lead and "ЦОПП Московской области" in lead
