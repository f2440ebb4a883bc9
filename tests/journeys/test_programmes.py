"""Programme lists: by field or test result, the three preferences, the place, pages and the
card, and only programmes open to the person."""

from __future__ import annotations

import pytest

from bot.runtime.offline import ChatSimulator
from storage.db import Database
from tests.support.chat import PERM, choose_preferences, onboard, save_adult_result

# Applications and questions go to the consultants' chat, as in production.
pytestmark = pytest.mark.staff_chat


async def test_programmes_by_field_preferences_place_pages_and_card(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client)
    await client.click("🎓 Программы")
    assert "Выберите" in client.last_text or "тест" in client.last_text
    await client.click("Помощь и обучение")
    await choose_preferences(client, "Можно дольше", "Очно", "Только бесплатные")
    assert client.reply_keyboard is not None  # in person needs a place
    await client.send("Пермь")
    page = client.last_text
    assert page.startswith("<b>Программы для вас</b> (страница 1)")
    assert "Направление: 🤝 Помощь и обучение" in page
    assert "только бесплатные" in page and "1. <b>Младшая медицинская сестра" in page
    assert "Подходит отлично" in page and "пример программы" in page

    async with db.autocommit() as repos:
        row = await repos.users.get(client.user.id)
    assert (
        row is not None and row.preferences is not None and '"free_only": true' in row.preferences
    )

    assert "▶️" not in client.button_labels()  # in person within reach: one programme
    await client.click("1. Младшая")
    card = client.last_text
    assert card.startswith("<b>Младшая медицинская сестра")
    assert "🔖 пример программы — уточните в центре" in card
    assert "Где: ЦОПП Пермского края (Пермский край)" in card and "бесплатно" in card
    assert "✍️ Подать заявку" in client.button_labels()


async def test_online_only_needs_no_place_and_shows_no_in_person(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client, consent=False)
    await client.send("/programs")
    await client.click("Порядок и документы")
    await choose_preferences(client, "1–3 месяца", "Онлайн", "Можно и платные")
    page = client.last_text
    assert page.startswith("<b>Программы для вас</b>")
    lines = [line for line in page.splitlines() if line.startswith("   ") and "·" in line]
    assert lines and all(line.strip().startswith("онлайн") for line in lines)
    async with db.autocommit() as repos:
        row = await repos.users.get(client.user.id)
    assert row is not None and row.preferences is None  # no consent: not in the profile


async def test_a_result_leads_to_programmes_that_fit(client: ChatSimulator) -> None:
    await onboard(client)
    await client.send_location(*PERM)
    await client.send_callback("fd:SAE")
    await choose_preferences(client, "Можно дольше", "Всё равно", "Можно и платные")
    assert "По результату теста: S-A-E" in client.last_text


async def test_the_latest_saved_result_is_the_basis_of_the_list(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client)
    await save_adult_result(
        db,
        client.user.id,
        {"R": 4, "I": 6, "A": 10, "S": 19, "E": 14, "C": 5},
        "S-E-A",
        "2026-11-26T09:00:00Z",
    )
    await client.send_location(*PERM)
    await client.send("/programs")
    await choose_preferences(client, "Можно дольше", "Всё равно", "Можно и платные")
    # S leads E by 5 points: clear; E is only 4 ahead of A: not named.
    assert "По результату теста: S\n" in client.last_text


async def test_a_school_student_sees_programmes_open_to_school_students(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client, role="Учусь в школе")
    await client.send_location(59.22, 39.89)  # Вологда: school programmes of the ЦОПП
    await client.send("/programs")
    await client.click("Техника и ручной труд")
    await choose_preferences(client, "Можно дольше", "Всё равно", "Можно и платные", "14–17")
    ids = [
        b.callback_data.split(":")[2]
        for row in (
            client.last_message.markup.inline_keyboard if client.last_message.markup else []
        )
        for b in row
        if b.callback_data and b.callback_data.startswith("pg:card:")
    ]
    async with db.autocommit() as repos:
        programs = await repos.catalogue.programs(ids)
    assert ids and all(not p.audience or "school" in p.audience for p in programs.values())
