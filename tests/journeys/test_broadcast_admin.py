"""Broadcasts through the bot: an admin composes, previews, picks an audience and sends;
pause and cancel buttons work for admins only; blocking the bot is tracked."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import CopyMessage
from aiogram.types import Chat, ChatMemberBanned, ChatMemberMember, ChatMemberUpdated, Update, User

from bot.app import create_dispatcher
from bot.config import Settings
from bot.runtime.offline import ChatSimulator, OfflineSession
from bot.workers.broadcaster import Broadcaster
from storage.broadcasts import Segment
from storage.db import Database
from tests.support.chat import MakeClient
from tests.support.settings import ADMIN_ID
from tests.support.sql import add_people

SOURCE_MESSAGE = 77


async def test_an_admin_composes_previews_picks_an_audience_and_sends(
    make_client: MakeClient, dispatcher: Dispatcher, session: OfflineSession, db: Database
) -> None:
    people = await add_people(db, 30, role="student", consent_given_at="2026-11-01T00:00:00Z")
    await add_people(db, 10, role="adult", consent_given_at="2026-11-01T00:00:00Z")
    admin = await make_client(user_id=ADMIN_ID, first_name="Админ")
    await admin.send("/broadcast")
    assert "Новая рассылка" in admin.last_text
    await admin.send("Завтра день открытых дверей в ЦОПП!")
    preview = [r.method for r in session.requests if isinstance(r.method, CopyMessage)]
    assert preview and preview[-1].chat_id == ADMIN_ID  # the copy, to the admin
    labels = admin.button_labels()
    assert "Все подписчики (40)" in labels and "Школьники (30)" in labels
    await admin.click("Школьники (30)")
    assert "получателей — 30" in admin.last_text
    await admin.click("Отправить сейчас")

    engine = dispatcher["services"].broadcaster
    assert isinstance(engine, Broadcaster)
    (broadcast_id,) = list(engine._runs) or [1]
    await engine.wait(broadcast_id)
    copies = [r.method for r in session.requests if isinstance(r.method, CopyMessage)]
    assert {c.chat_id for c in copies[1:]} == set(people)
    async with db.autocommit() as repos:
        (audit,) = [a for a in await repos.audit.recent() if a.action == "broadcast.started"]
    assert audit.admin_id == ADMIN_ID and "students" in audit.details

    await admin.send("/broadcasts")
    assert f"#{broadcast_id}" in admin.last_text and "30 из 30" in admin.last_text


async def test_pause_and_cancel_buttons_work_for_admins_only(
    make_client: MakeClient, db: Database, settings: Settings, bot: Bot, session: OfflineSession
) -> None:
    await add_people(db, 5, consent_given_at="2026-11-01T00:00:00Z")
    async with db.transaction() as tx:
        row = await tx.broadcasts.create(
            admin_id=ADMIN_ID,
            source_chat_id=ADMIN_ID,  # the admin's private chat
            source_message_id=SOURCE_MESSAGE,
            segment=Segment("all"),
            scheduled_at="2030-01-01T10:00:00Z",
        )
    stranger = await make_client(user_id=555, first_name="Кто-то")
    replies = await stranger.send_callback(f"bx:cancel:{row.id}")
    assert any("кнопка уже не работает" in (getattr(r.method, "text", "") or "") for r in replies)
    await stranger.send("/broadcast")
    assert "не знаю команду" in stranger.last_text.lower()

    # An admin removed from ADMIN_IDS after a restart is a stranger too.
    former = settings.model_copy(update={"admin_ids": frozenset()})
    ex_admin = ChatSimulator(create_dispatcher(former, db, throttle=False), bot, session,
                             user_id=ADMIN_ID)  # fmt: skip
    await ex_admin.send_callback(f"bx:cancel:{row.id}")
    async with db.autocommit() as repos:
        still = await repos.broadcasts.get(row.id)
    assert still is not None and still.status == "scheduled"

    admin = await make_client(user_id=ADMIN_ID, first_name="Админ")
    await admin.send_callback(f"bx:cancel:{row.id}")
    async with db.autocommit() as repos:
        cancelled = await repos.broadcasts.get(row.id)
        actions = [a.action for a in await repos.audit.recent()]
    assert cancelled is not None and cancelled.status == "cancelled"
    assert "broadcast.cancel" in actions
    replies = await admin.send_callback(f"bx:pause:{row.id}")
    assert any("уже" in (getattr(r.method, "text", "") or "") for r in replies)


async def test_blocking_and_unblocking_the_bot_is_tracked(
    dispatcher: Dispatcher, bot: Bot, db: Database
) -> None:
    person = User(id=4321, is_bot=False, first_name="Аня")
    me = User(id=42, is_bot=True, first_name="ЦОПП")
    chat = Chat(id=4321, type="private")

    async def member_update(update_id: int, *, blocked: bool) -> None:
        forever = datetime.fromtimestamp(0, UTC)
        member, banned = ChatMemberMember(user=me), ChatMemberBanned(user=me, until_date=forever)
        old: Any = member if blocked else banned
        new: Any = banned if blocked else member
        event = ChatMemberUpdated(
            chat=chat, from_user=person, date=datetime.now(UTC),
            old_chat_member=old, new_chat_member=new,
        )  # fmt: skip
        await dispatcher.feed_update(bot, Update(update_id=update_id, my_chat_member=event))

    await member_update(1, blocked=True)
    async with db.autocommit() as repos:
        row = await repos.users.get(4321)
        assert row is not None and row.is_blocked
        assert await repos.broadcasts.count_audience(Segment("all")) == 0
    await member_update(2, blocked=False)
    async with db.autocommit() as repos:
        row = await repos.users.get(4321)
    assert row is not None and not row.is_blocked
