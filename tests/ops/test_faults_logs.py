"""What the logs may hold: a DEBUG log of a whole journey, the bot's and aiogram's and the
database driver's, carries no token, phone number, place or text a person typed."""

from __future__ import annotations

import logging

import pytest
from aiogram import Bot
from aiogram.methods import SendMessage

from bot.app import create_dispatcher
from bot.config import Settings
from bot.runtime.offline import ChatSimulator, OfflineSession
from bot.services.database import open_database
from tests.support.chat import onboard, start_quiz
from tests.support.settings import TEST_TOKEN

# Questions and applications go to the consultants' chat, and so through the log's reach.
pytestmark = pytest.mark.staff_chat
PHONE_TYPED = "8 (912) 345-67-89"
PHONE_FORMS = ["9123456789", "912 345-67-89", "(912) 345-67-89", "912 345 67 89", "345-67-89"]
PLACE_TYPED = "в Перми"
FREE_TEXT = "Жужелица спросила про сварщиков"
QUESTION = "Как записаться на сварщика, если мне 52? Жужелица"


async def journey_with_secrets(client: ChatSimulator) -> None:
    """Start, consent, two quiz answers, a typed place, an application with a typed phone,
    one handler error, and a question to the consultants."""
    await onboard(client)
    await start_quiz(client, "Тест интересов")
    for _ in range(2):
        await client.click("Скорее да")
    await client.send("/centers")
    await client.send(PLACE_TYPED)
    assert "ЦОПП Пермского края" in client.last_text
    await client.send_callback("pg:card:sample-041:0")
    await client.click("Подать заявку")
    await client.click("Да, передать")
    await client.send(PHONE_TYPED)
    assert "+7 912 345-67-89" in client.last_text
    # Telegram refuses the reply to a typed text: the error handler logs a traceback.
    client.session.queue_response(
        SendMessage, status=400, ok=False, description="Bad Request: chat not found"
    )
    await client.send(FREE_TEXT)
    await client.send("/consult")
    await client.send(QUESTION)


def secrets_in(log: str) -> list[str]:
    candidates = [TEST_TOKEN, TEST_TOKEN.split(":")[1], *PHONE_FORMS]
    return [s for s in [*candidates, PHONE_TYPED, PLACE_TYPED, FREE_TEXT, QUESTION] if s in log]


async def debug_log_of_a_journey(
    settings: Settings, bot: Bot, session: OfflineSession, caplog: pytest.LogCaptureFixture
) -> list[logging.LogRecord]:
    caplog.set_level(logging.DEBUG)
    db = await open_database(settings.database)
    try:
        dispatcher = create_dispatcher(settings, db, throttle=False)
        await journey_with_secrets(ChatSimulator(dispatcher, bot, session, user_id=1001))
    finally:
        await db.close()
    assert [r for r in caplog.records if r.name == "handlers.onboarding.errors" and r.exc_info]
    return list(caplog.records)


async def test_debug_logs_of_the_bot_and_aiogram_hold_no_token_phone_or_typed_text(
    settings: Settings, bot: Bot, session: OfflineSession, caplog: pytest.LogCaptureFixture
) -> None:
    records = await debug_log_of_a_journey(settings, bot, session, caplog)
    log = "\n".join(caplog.handler.format(r) for r in records if r.name != "aiosqlite")
    assert secrets_in(log) == []


async def test_debug_logs_hold_no_phone_even_from_the_database_driver(
    settings: Settings, bot: Bot, session: OfflineSession, caplog: pytest.LogCaptureFixture
) -> None:
    records = await debug_log_of_a_journey(settings, bot, session, caplog)
    assert secrets_in("\n".join(caplog.handler.format(r) for r in records)) == []
