"""Fault record: broadcasts meeting people who change their minds while it is being sent, and
an admin's taps on its controls. Through the real dispatcher and a recording Bot API session.

- The recipient list is fixed when a broadcast is created. People who block the bot, withdraw
  consent or use /forget while it is being sent — even while their copy is already taken from
  the queue and waits out a 429 pause — get no send attempt after the bot knows it.
- Only people who agreed to data storage are offered as an audience (the consent question says
  news may come), and the counts say so.
- Cancelling a scheduled broadcast answers the tap exactly once («отменена»), as do pause and
  cancel of a running one.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import AnswerCallbackQuery, CopyMessage, EditMessageText, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, ChatMemberBanned, ChatMemberMember, ChatMemberUpdated, Update, User

from bot.app import create_bot
from bot.config import Settings
from bot.runtime.i18n import create_i18n
from bot.runtime.offline import ChatSimulator, OfflineSession, Request, callback_answers
from bot.runtime.services import Services
from bot.workers.broadcaster import BLOCKED_BEFORE, FORGOTTEN, NO_CONSENT, Broadcaster
from handlers.admin.broadcast import progress_view
from storage.broadcasts import Segment
from storage.db import Database
from tests.conftest import ADMIN_ID, TEST_TOKEN, MakeClient
from tests.support.sql import raw_connection

CONSENT = "2026-11-01T00:00:00Z"
SOURCE_MESSAGE = 77
PROGRESS_MESSAGE = 5
CALM_SENTENCE = "пошло не так"


class TimedSession(OfflineSession):
    """Records when each copy to a person was attempted; a 429 at the chosen attempts."""

    def __init__(self, *, flood_at: set[int], latency: float) -> None:
        super().__init__()
        self.flood_at = flood_at
        self.latency = latency
        self.attempts: list[tuple[float, int]] = []  # (monotonic time, chat id)
        self.flooded = asyncio.Event()

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        if isinstance(method, CopyMessage) and method.chat_id != ADMIN_ID:
            assert isinstance(method.chat_id, int)
            self.attempts.append((time.monotonic(), method.chat_id))
            number = len(self.attempts)
            await asyncio.sleep(self.latency)
            if number in self.flood_at:
                self.queue_response(CopyMessage, status=429, ok=False, retry_after=1,
                                    description="Too Many Requests: retry after 1")  # fmt: skip
                self.flooded.set()
        return await super().make_request(bot, method, timeout)


async def add_people(db: Database, ids: list[int], **fields: Any) -> None:
    values = {"consent_given_at": CONSENT, "news_opt_in": 1} | fields
    columns = ", ".join(["id", *values])
    marks = ", ".join("?" * (1 + len(values)))
    async with db.transaction() as tx:
        await raw_connection(tx).executemany(
            f"INSERT INTO users ({columns}) VALUES ({marks})",
            [(i, *values.values()) for i in ids],
        )


async def recipient_rows(db: Database, broadcast_id: int) -> dict[int, tuple[str, str | None]]:
    async with db.autocommit() as repos:
        rows = await raw_connection(repos).execute_fetchall(
            "SELECT user_id, status, error FROM broadcast_recipients WHERE broadcast_id = ?",
            (broadcast_id,),
        )
    return {int(user): (str(status), error) for user, status, error in rows}


async def block(dispatcher: Dispatcher, bot: Bot, user_id: int, update_id: int) -> None:
    """Telegram tells the bot that the person blocked it (`my_chat_member`: kicked)."""
    me = User(id=42, is_bot=True, first_name="ЦОПП")
    event = ChatMemberUpdated(
        chat=Chat(id=user_id, type="private"),
        from_user=User(id=user_id, is_bot=False, first_name="Тест"),
        date=datetime.now(UTC),
        old_chat_member=ChatMemberMember(user=me),
        new_chat_member=ChatMemberBanned(user=me, until_date=datetime.fromtimestamp(0, UTC)),
    )
    await dispatcher.feed_update(bot, Update(update_id=update_id, my_chat_member=event))


async def test_people_who_block_withdraw_or_forget_mid_broadcast_get_no_attempt_after(
    dispatcher: Dispatcher, db: Database, settings: Settings
) -> None:
    people = list(range(100_000, 100_400))
    await add_people(db, people)
    session = TimedSession(flood_at={60}, latency=0.002)
    bot = create_bot(settings, session=session, token=TEST_TOKEN)
    engine = Broadcaster(
        db, create_i18n("ru"), "ru", view=progress_view, rate=400, concurrency=8,
        progress_every=0.2,
    )  # fmt: skip
    async with db.transaction() as tx:
        row = await tx.broadcasts.create(
            admin_id=ADMIN_ID,
            source_chat_id=ADMIN_ID,
            source_message_id=SOURCE_MESSAGE,
            segment=Segment("all"),
        )
        await tx.broadcasts.set_progress_message(row.id, ADMIN_ID, PROGRESS_MESSAGE)
    engine.start(bot, row.id)

    # A 429 holds every sender for a second: copies already taken from the queue wait.
    await asyncio.wait_for(session.flooded.wait(), 10)
    await asyncio.sleep(0.05)  # sends already past their check when the 429 came are done
    tried = {chat for _at, chat in session.attempts}
    claimed = {u for u, (status, _e) in (await recipient_rows(db, row.id)).items()
               if status == "sending"}  # fmt: skip
    waiting = sorted(claimed - tried)  # taken for sending, not yet tried
    untouched = [p for p in people if p not in claimed and p not in tried]
    blockers = waiting[:10] + untouched[:30]
    withdrawers = waiting[10:14] + untouched[30:40]
    forgetters = waiting[14:18] + untouched[40:50]
    known_at: dict[int, float] = {}
    for number, person in enumerate(blockers, start=1):
        await block(dispatcher, bot, person, update_id=number)
        known_at[person] = time.monotonic()
    for person in withdrawers:
        await ChatSimulator(dispatcher, bot, session, user_id=person).send_callback("c:withdraw")
        known_at[person] = time.monotonic()
    for person in forgetters:
        await ChatSimulator(dispatcher, bot, session, user_id=person).send_callback("f:yes")
        known_at[person] = time.monotonic()
    changed_during_pause = time.monotonic() - session.attempts[-1][0] < 1.0

    await asyncio.wait_for(engine.wait(row.id), 30)

    after_known = [(at, chat) for at, chat in session.attempts
                   if chat in known_at and at > known_at[chat]]  # fmt: skip
    assert after_known == []  # not one send attempt after the bot knew
    rows = await recipient_rows(db, row.id)
    assert {rows[p] for p in blockers} == {("blocked", BLOCKED_BEFORE)}
    assert {rows[p] for p in withdrawers} == {("skipped", NO_CONSENT)}
    assert not set(forgetters) & set(rows)  # /forget took them off the list as well
    reached = Counter(chat for _at, chat in session.attempts if chat not in known_at)
    others = set(people) - set(known_at)
    assert set(reached) == others and Counter(reached.values()) == {1: len(others) - 1, 2: 1}
    async with db.autocommit() as repos:
        counts = await repos.broadcasts.counts(row.id)
        final = await repos.broadcasts.get(row.id)
    assert (counts.sent, counts.blocked, counts.skipped, counts.left) == (
        len(others), len(blockers), len(withdrawers), 0,
    )  # fmt: skip
    assert final is not None and final.status == "done"
    edits = [r.method for r in session.requests if isinstance(r.method, EditMessageText)]
    last = edits[-1].text or ""
    assert f"заблокировали: {len(blockers)}" in last and "100%" in last
    assert f"Пропущено: {len(withdrawers)}" in last
    print(
        f"\n{len(waiting)} copies were taken from the queue and waiting out the 429 when "
        f"{len(known_at)} people changed their minds (within the pause: {changed_during_pause}); "
        f"send attempts after the bot knew: {len(after_known)}"
    )
    assert len(waiting) >= 18  # the re-check, not the queue order, kept these from a send


async def test_skipped_people_are_explained_in_the_progress_message(db: Database) -> None:
    people = list(range(300_000, 300_006))
    await add_people(db, people)
    async with db.transaction() as tx:
        row = await tx.broadcasts.create(
            admin_id=ADMIN_ID, source_chat_id=ADMIN_ID, source_message_id=1,
            segment=Segment("all"),
        )  # fmt: skip
        await tx.broadcasts.set_progress_message(row.id, ADMIN_ID, PROGRESS_MESSAGE)
        await tx.users.set_blocked(people[0], blocked=True)
        await tx.users.withdraw_consent(people[1])
        await tx.forget_user(people[2])
    session = OfflineSession()
    engine = Broadcaster(db, create_i18n("ru"), "ru", view=progress_view, rate=1000)
    engine.start(Bot(TEST_TOKEN, session=session), row.id)
    await engine.wait(row.id)
    copies = [r.method.chat_id for r in session.requests if isinstance(r.method, CopyMessage)]
    assert sorted(copies) == people[3:]
    rows = await recipient_rows(db, row.id)
    assert rows[people[0]] == ("blocked", BLOCKED_BEFORE)
    assert rows[people[1]] == ("skipped", NO_CONSENT)
    assert people[2] not in rows and FORGOTTEN  # no row is left to record it on
    edits = [r.method for r in session.requests if isinstance(r.method, EditMessageText)]
    text = edits[-1].text or ""
    assert "Доставлено: 3 · заблокировали: 1 · ошибок: 0 · осталось: 0" in text
    assert "Пропущено: 1 (за это время отозвали согласие или удалили свои данные)" in text
    assert "100%" in text and "✅" in text


# --- the audience ----------------------------------------------------------------------------


async def test_only_people_who_agreed_and_want_news_are_offered_and_the_counts_say_so(
    make_client: MakeClient, db: Database, session: OfflineSession
) -> None:
    agreed = list(range(400_000, 400_007))
    declined = list(range(400_100, 400_105))
    await add_people(db, agreed, role="adult", locale="ru")
    await add_people(db, declined, consent_given_at=None, locale="ru")
    await add_people(db, [400_200], consent_given_at=None, consent_withdrawn_at=CONSENT)
    await add_people(db, [400_300], is_blocked=1)
    await add_people(db, [400_500, 400_501], news_opt_in=0, locale="ru")  # said no to news
    await add_people(db, [400_600], news_opt_in=None, locale="ru")  # never asked

    newcomer = await make_client(user_id=400_400, first_name="Новенький")
    await newcomer.send("/start")
    consent = newcomer.last_text
    assert "новости центров приходят, только если вы сами их попросите" in consent
    assert "Отказаться можно в любой момент" in consent

    admin = await make_client(user_id=ADMIN_ID, first_name="Админ")
    await admin.send("/broadcast")
    await admin.send("Новости центра")
    header = admin.last_text
    assert "только тем, кто сам попросил новости" in header
    assert "дал согласие на хранение данных" in header and "заблокировавшие бота" in header
    labels = admin.button_labels()
    assert f"Все подписчики ({len(agreed)})" in labels
    assert f"Взрослые, родители ({len(agreed)})" in labels
    await admin.click("По языку")
    assert f"русский ({len(agreed)})" in admin.button_labels()  # not those who declined
    await admin.click("◀️ Назад")
    await admin.click("Все подписчики")
    assert f"все, кто подписан на новости, получателей — {len(agreed)}" in admin.last_text
    await admin.click("Отправить сейчас")
    async with db.autocommit() as repos:
        (row,) = await repos.broadcasts.recent(1)
    assert row.total == len(agreed)
    assert set(await recipient_rows(db, row.id)) == set(agreed)


# --- the controls answer each tap once -------------------------------------------------------


def one_answer(requests: list[Request]) -> AnswerCallbackQuery:
    answers = callback_answers(requests)
    assert len(answers) == 1, answers
    assert not [r for r in requests if CALM_SENTENCE in str(getattr(r.method, "text", ""))]
    return answers[0]


async def test_cancelling_a_scheduled_broadcast_answers_the_tap_once(
    make_client: MakeClient, db: Database
) -> None:
    await add_people(db, [500_001, 500_002])
    admin = await make_client(user_id=ADMIN_ID, first_name="Админ")
    await admin.send("/broadcast")
    await admin.send("Завтра день открытых дверей")
    await admin.click("Все подписчики (2)")
    await admin.click("Запланировать")
    await admin.send("23:59")
    assert "запланирована" in admin.last_text

    replies = await admin.click("Отменить")
    answer = one_answer(replies)
    assert answer.text == "отменена"
    (progress,) = [m for m in admin.messages.values() if m.text.startswith("📣 <b>Рассылка #")]
    assert "— отменена" in progress.text and admin.button_labels() == []
    async with db.autocommit() as repos:
        (row,) = await repos.broadcasts.recent(1)
    assert row.status == "cancelled"

    again = await admin.send_callback(f"bx:cancel:{row.id}", message_id=progress.message_id)
    assert one_answer(again).text == f"Рассылка #{row.id} уже: отменена."  # a second tap


async def test_pause_and_cancel_of_a_running_broadcast_answer_once_each(
    make_client: MakeClient, db: Database, dispatcher: Dispatcher
) -> None:
    await add_people(db, list(range(600_000, 600_300)))
    services = dispatcher["services"]
    assert isinstance(services, Services)
    services.broadcaster.pacer.interval = 0.01  # slow enough to tap while it runs
    admin = await make_client(user_id=ADMIN_ID, first_name="Админ")
    await admin.send("/broadcast")
    await admin.send("Новости")
    await admin.click("Все подписчики")
    await admin.click("Отправить сейчас")
    await asyncio.sleep(0.2)
    progress = admin.last_message.message_id
    (broadcast_id,) = list(services.broadcaster._runs)

    paused = await admin.send_callback(f"bx:pause:{broadcast_id}", message_id=progress)
    assert one_answer(paused).text == "на паузе"
    await services.broadcaster.wait(broadcast_id)
    cancelled = await admin.send_callback(f"bx:cancel:{broadcast_id}", message_id=progress)
    assert one_answer(cancelled).text == "отменена"
    assert "— отменена" in admin.last_text


# Closing note (measured). 400 people, a 429 at the 60th copy: 129–131 copies were taken from
# the queue and waiting out the pause when 68 people blocked the bot (40), withdrew consent
# (14) or used /forget (14). Send attempts to them after the bot knew: 0 (with the recipient
# list fixed at the start, as before the change: 59). Cancelling a scheduled broadcast: 1
# answerCallbackQuery (before: 3, the second refused by Telegram, and «Что-то пошло не так»).
# The re-check costs one SQLite read per send: about 60–90 µs of CPU, no change to the paced
# rate (bench/broadcast_rate.py, within its noise).
