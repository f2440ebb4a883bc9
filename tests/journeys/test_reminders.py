"""Reminders through the bot: a paused quiz plans a nudge and resuming drops it, settings
switch them off, /forget removes them, and an application plans one before the start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.runtime.offline import ChatSimulator
from storage.db import Database
from tests.support.chat import onboard, start_quiz
from tests.support.sql import query


async def test_pause_plans_a_nudge_resume_drops_it_and_settings_switch_off(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client)
    await start_quiz(client, "Тест интересов")
    await client.click("Пауза")

    async def quiz_reminder() -> tuple[str, str]:
        rows = await query(
            db,
            "SELECT status, due_at FROM reminders WHERE user_id = ? AND kind = 'quiz_paused'",
            client.user.id,
        )
        return rows[0][0], rows[0][1]

    status, due = await quiz_reminder()
    assert status == "pending"
    assert datetime.strptime(due, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) > datetime.now(
        UTC
    ) + timedelta(hours=23)
    await client.click("Продолжить")
    assert (await quiz_reminder())[0] == "dropped"

    await client.send("/settings")
    assert "Напоминания: включены" in client.last_text
    await client.click("Выключить напоминания")
    assert "Напоминания: выключены" in client.last_text
    async with db.autocommit() as repos:
        assert await repos.reminders.is_off(client.user.id)
    await client.send("/forget")
    await client.click("Да, удалить")
    left = await query(db, "SELECT count(*) FROM reminders WHERE user_id = ?", client.user.id)
    assert left[0][0] == 0  # never after /forget


async def test_an_application_plans_a_reminder_before_the_start(
    client: ChatSimulator, db: Database
) -> None:
    async with db.autocommit() as repos:
        program = await repos.catalogue.program("sample-041")
    assert program is not None and program.next_start is not None
    await onboard(client)
    await client.send_callback("pg:card:sample-041:0")
    await client.click("Подать заявку")
    await client.click("Да, передать")
    await client.send("+7 912 345-67-89")
    rows = await query(
        db,
        "SELECT subject, status FROM reminders WHERE user_id = ? AND kind = 'program_start'",
        client.user.id,
    )
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    expected = [("sample-041", "pending")] if program.next_start > tomorrow else []
    assert rows == expected
