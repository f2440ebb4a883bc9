"""Journeys through the real dispatcher: /start, consent, role, menu, deep links."""

from __future__ import annotations

from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage

from bot.runtime.offline import ChatSimulator
from storage.db import Database
from tests.support.chat import MakeClient


async def test_start_greets_asks_consent_then_role_then_menu(
    client: ChatSimulator, db: Database
) -> None:
    replies = await client.send("/start")
    texts = [r.method.text for r in replies if isinstance(r.method, SendMessage)]
    greeting, consent = texts
    assert greeting.startswith("👋 Здравствуйте, Аня!")
    for fact in ("тест", "ЦОПП", "коротк", "бесплатн", "консультант"):
        assert fact in greeting
    assert "согласие" in consent and "/forget" in consent
    assert client.button_labels() == ["✅ Даю согласие", "📄 Подробнее", "Не сейчас"]

    replies = await client.click("Даю согласие")
    assert any(isinstance(r.method, AnswerCallbackQuery) for r in replies)
    async with db.transaction() as tx:
        row = await tx.users.get(client.user.id)
    assert row is not None and row.has_consent and row.first_name == "Аня"
    assert "Кто вы?" in client.last_text
    assert client.last_message.markup is not None

    await client.click("Учусь в школе")
    async with db.transaction() as tx:
        row = await tx.users.get(client.user.id)
    assert row is not None and row.role == "student"
    assert "Главное меню" in client.last_text
    assert "🌐 Язык" in client.button_labels()


async def test_consent_details_explain_storage_and_keep_choice(client: ChatSimulator) -> None:
    await client.send("/start")
    replies = await client.click("Подробнее")
    edit = next(r.method for r in replies if isinstance(r.method, EditMessageText))
    assert edit.text is not None and "152-ФЗ" in edit.text and "Telegram ID" in edit.text
    assert client.button_labels()[-2:] == ["✅ Даю согласие", "Не сейчас"]


async def test_refusing_consent_stores_nothing_personal(
    client: ChatSimulator, db: Database
) -> None:
    await client.send("/start school_42")
    await client.click("Не сейчас")
    assert any("ничего, кроме Telegram ID и языка" in m.text for m in client.messages.values())
    await client.click("Ищу работу")
    assert "Главное меню" in client.last_text

    async with db.transaction() as tx:
        row = await tx.users.get(client.user.id)
    assert row is not None
    assert not row.has_consent
    personal = (row.first_name, row.last_name, row.username, row.role, row.region_slug, row.source)
    assert personal == (None, None, None, None, None, None)
    assert row.last_seen_at is None


async def test_role_chosen_without_consent_is_kept_when_consent_comes(
    client: ChatSimulator, db: Database
) -> None:
    await client.send("/start partner_7")
    await client.click("Не сейчас")
    await client.click("Родитель или учитель")
    await client.send("/privacy")
    await client.click("Даю согласие")
    async with db.transaction() as tx:
        row = await tx.users.get(client.user.id)
    assert row is not None and row.has_consent
    assert (row.role, row.source) == ("parent", "partner_7")
    assert "Главное меню" in client.last_text  # role already known: no second question


async def test_deep_link_source_is_recorded_once(client: ChatSimulator, db: Database) -> None:
    await client.send("/start school_42")
    await client.click("Даю согласие")
    await client.click("Учусь в школе")
    await client.send("/start vk_ads")
    async with db.transaction() as tx:
        row = await tx.users.get(client.user.id)
    assert row is not None and row.source == "school_42"
    assert "Главное меню" in client.last_text  # a known person goes straight to the menu


async def test_malformed_deep_link_is_ignored(client: ChatSimulator, db: Database) -> None:
    await client.send("/start " + "<script>" * 10)
    await client.click("Даю согласие")
    async with db.transaction() as tx:
        row = await tx.users.get(client.user.id)
    assert row is not None and row.source is None


async def test_html_in_first_name_is_escaped_everywhere(make_client: MakeClient) -> None:
    client = await make_client(first_name="<b>&amp;")
    await client.send("/start")
    await client.click("Даю согласие")
    await client.click("Учусь в школе")
    sent = [r.method for r in client.session.requests if hasattr(r.method, "text")]
    texts = [m.text for m in sent if isinstance(getattr(m, "text", None), str)]
    assert any("&lt;b&gt;&amp;amp;" in text for text in texts)
    assert not any("<b>&amp;" in text for text in texts)


async def test_typing_during_consent_repeats_the_question(client: ChatSimulator) -> None:
    await client.send("/start")
    replies = await client.send("а что это?")
    texts = [r.method.text for r in replies if isinstance(r.method, SendMessage)]
    assert "кнопкой" in texts[0]
    assert "согласие" in texts[1]
    assert client.button_labels()[-3:] == ["✅ Даю согласие", "📄 Подробнее", "Не сейчас"]


async def test_commands_still_work_in_the_middle_of_onboarding(client: ChatSimulator) -> None:
    await client.send("/start")
    await client.send("/help")
    assert "/forget" in client.last_text and "trudvsem.ru" in client.last_text


async def test_english_speaker_gets_english_and_ukrainian_gets_russian(
    make_client: MakeClient,
) -> None:
    english = await make_client(user_id=2001, first_name="Ann", language_code="en-GB")
    await english.send("/start")
    assert english.messages[min(english.messages)].text.startswith("👋 Hello, Ann!")
    ukrainian = await make_client(user_id=2002, first_name="Оля", language_code="uk")
    await ukrainian.send("/start")
    assert "Здравствуйте" in ukrainian.messages[min(ukrainian.messages)].text
