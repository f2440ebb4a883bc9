"""Language, privacy, withdrawing consent, /forget, the menu and help."""

from __future__ import annotations

from aiogram.methods import SendMessage

from bot.runtime.offline import ChatSimulator
from storage.db import Database
from tests.support.chat import MakeClient, onboard
from tests.support.sql import query, table_columns

PUPIL = "Учусь в школе"  # the role of everyone here


async def rows_mentioning(db: Database, user_id: int) -> dict[str, int]:
    """How many rows each table holds about the user (users by id, others by user_id)."""
    counts: dict[str, int] = {}
    for table, columns in (await table_columns(db)).items():
        key = "id" if table == "users" else "user_id"
        if key in columns:
            found = await query(db, f"SELECT count(*) FROM {table} WHERE {key} = ?", user_id)
            counts[table] = found[0][0]
    return counts


async def test_forget_deletes_every_row_about_the_user(
    make_client: MakeClient, db: Database
) -> None:
    client = await make_client()
    other = await make_client(user_id=1002, first_name="Борис")
    await onboard(client, role=PUPIL, payload="school_42")
    await onboard(other, role=PUPIL)
    await client.click("Обо мне")  # leaves conversation state behind
    before = await rows_mentioning(db, client.user.id)
    assert before["users"] == 1 and before["fsm_state"] >= 1

    await client.send("/forget")
    assert "нельзя" in client.last_text
    await client.click("Да, удалить всё")
    assert "удалены" in client.last_text

    assert set((await rows_mentioning(db, client.user.id)).values()) == {0}
    assert (await rows_mentioning(db, other.user.id))["users"] == 1


async def test_forget_can_be_cancelled(client: ChatSimulator, db: Database) -> None:
    await onboard(client, role=PUPIL)
    await client.send("/forget")
    await client.click("Отмена")
    assert "Ничего не удалено" in client.last_text
    async with db.transaction() as tx:
        row = await tx.users.get(client.user.id)
    assert row is not None and row.role == "student"


async def test_after_forget_start_begins_from_scratch(client: ChatSimulator) -> None:
    await onboard(client, role=PUPIL)
    await client.send("/forget")
    await client.click("Да, удалить всё")
    await client.send("/start")
    assert client.button_labels()[-3:] == ["✅ Даю согласие", "📄 Подробнее", "Не сейчас"]


async def test_language_choice_is_remembered(client: ChatSimulator, db: Database) -> None:
    await onboard(client, role=PUPIL)
    await client.send("/language")
    await client.click("English")
    assert "Main menu" in client.last_text
    await client.send("/menu")
    assert client.last_text.startswith("<b>Main menu</b>")
    assert "🌐 Language" in client.button_labels()
    async with db.transaction() as tx:
        row = await tx.users.get(client.user.id)
    assert row is not None and row.locale == "en"

    await client.click("Language")
    await client.click("Русский")
    assert "по-русски" in "".join(m.text for m in client.messages.values())
    assert "Главное меню" in client.last_text


async def test_privacy_shows_status_and_withdrawal_clears_personal_data(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client, role=PUPIL, payload="school_42")
    await client.send_location(58.01, 56.25)
    async with db.transaction() as tx:
        await tx.results.add(user_id=client.user.id, instrument="riasec", answers=[1] * 30,
                             scores={"S": 9}, code="S-A-E", vector={"S": 0.45},
                             started_at="2026-11-26T09:00:00Z")  # fmt: skip
    await client.send("/privacy")
    assert "согласие дано" in client.last_text
    assert "152-ФЗ" in client.last_text
    await client.click("Отозвать согласие")
    assert "Согласие отозвано" in client.last_text
    async with db.transaction() as tx:
        row = await tx.users.get(client.user.id)
    assert row is not None
    assert not row.has_consent and row.consent_withdrawn_at is not None
    assert (row.first_name, row.role, row.source) == (None, None, None)
    assert (row.region_slug, row.place_lat, row.place_precision) == (None, None, None)
    async with db.transaction() as tx:
        assert await tx.results.latest(client.user.id) is None  # results only with consent
    assert "✅ Даю согласие" in client.button_labels()


async def test_menu_buttons_lead_where_they_say(client: ChatSimulator) -> None:
    await onboard(client, role=PUPIL)
    await client.click("Что я умею")
    assert "/privacy" in client.last_text and "ЦОПП" in client.last_text
    await client.click("Меню")
    assert "Главное меню" in client.last_text
    await client.click("Мои данные")
    assert "Какие данные я храню" in client.last_text
    await client.click("Меню")
    await client.click("Обо мне")
    assert "Сейчас: учусь в школе." in client.last_text
    await client.click("Родитель или учитель")
    assert "Принято: родитель или учитель." in "".join(m.text for m in client.messages.values())
    await client.click("Язык")
    assert "Choose a language" in client.last_text


async def test_help_explains_commands_and_how_to_reach_a_person(client: ChatSimulator) -> None:
    replies = await client.send("/help")
    (text,) = [r.method.text for r in replies if isinstance(r.method, SendMessage)]
    for command in ("/menu", "/language", "/privacy", "/forget"):
        assert command in text
    assert "центре занятости" in text and "trudvsem.ru" in text and "/consult" in text
