"""News only to those who want it: asked once after the first result, never pre-ticked,
changeable in /settings; a broadcast reaches only people who said yes."""

from __future__ import annotations

from aiogram.methods import CopyMessage, SendMessage

from bot.runtime.offline import OfflineSession
from storage.broadcasts import Segment
from storage.db import Database
from tests.support.chat import MakeClient, onboard
from tests.support.outreach import school_test
from tests.support.settings import ADMIN_ID
from tests.support.sql import query
from tests.support.waits import until

QUESTION = "Присылать вам иногда новости центров"


async def news_flag(db: Database, user_id: int) -> int | None:
    rows = await query(db, "SELECT news_opt_in FROM users WHERE id = ?", user_id)
    flag = rows[0][0]
    return None if flag is None else int(flag)


async def test_the_question_comes_once_after_the_first_result_and_settings_change_it(
    make_client: MakeClient, db: Database, session: OfflineSession
) -> None:
    pupil = await make_client(user_id=6001, first_name="Оля")
    await onboard(pupil, role="Учусь в школе")
    replies = await school_test(pupil)
    texts = [r.method.text for r in replies if isinstance(r.method, SendMessage)]
    assert any("Человек — техника" in t for t in texts)  # the result itself comes first
    assert QUESTION in pupil.last_text
    markup = pupil.last_message.markup
    assert markup is not None
    labels = [b.text for row in markup.inline_keyboard for b in row]
    assert labels[:2] == ["🔔 Да, присылать", "Нет, спасибо"]  # two buttons, nothing ticked
    assert "📤 Поделиться результатом" in labels  # a pupil may share the result
    assert await news_flag(db, 6001) is None  # not asked = not yes

    await pupil.click("Нет, спасибо")
    assert "без новостей" in pupil.last_text
    assert await news_flag(db, 6001) == 0

    replies = await school_test(pupil)  # the second result: no question again
    assert not any(
        QUESTION in (r.method.text or "") for r in replies if isinstance(r.method, SendMessage)
    )

    await pupil.send("/settings")
    assert "Новости центров: выключены" in pupil.last_text
    assert "Напоминания: включены" in pupil.last_text and "/privacy" in pupil.last_text
    await pupil.click("Присылать новости")
    assert "Новости центров: включены" in pupil.last_text
    assert await news_flag(db, 6001) == 1
    await pupil.click("Без новостей")
    assert await news_flag(db, 6001) == 0


async def test_without_consent_nobody_is_asked_and_settings_say_why(
    make_client: MakeClient, db: Database
) -> None:
    guest = await make_client(user_id=6002, first_name="Гость")
    await onboard(guest, role="Учусь в школе", consent=False)
    replies = await school_test(guest)
    assert not any(
        QUESTION in (r.method.text or "") for r in replies if isinstance(r.method, SendMessage)
    )
    await guest.send("/settings")
    assert "нужно согласие на хранение данных" in guest.last_text
    await guest.click("Присылать новости")  # refused with a clear answer, nothing kept
    assert await news_flag(db, 6002) is None


async def test_a_news_broadcast_reaches_only_people_who_said_yes(
    make_client: MakeClient, db: Database, session: OfflineSession
) -> None:
    people = {}
    for user_id, answer in ((6101, "Да, присылать"), (6102, "Нет, спасибо"), (6103, None)):
        person = await make_client(user_id=user_id, first_name="Ученик")
        await onboard(person, role="Учусь в школе")
        await school_test(person)
        if answer:
            await person.click(answer)
        people[user_id] = person
    async with db.autocommit() as repos:
        assert await repos.broadcasts.count_audience(Segment("all")) == 1
        assert await repos.broadcasts.count_audience(Segment("students")) == 1

    admin = await make_client(user_id=ADMIN_ID, first_name="Админ")
    await admin.send("/broadcast")
    await admin.send("День открытых дверей в субботу!")
    assert "кто сам попросил новости" in admin.last_text
    await admin.click("Все подписчики (1)")
    await admin.click("Отправить сейчас")

    def copies() -> list[int]:
        return [
            int(r.method.chat_id)
            for r in session.requests
            if isinstance(r.method, CopyMessage) and r.method.chat_id != ADMIN_ID
        ]

    async def done() -> bool:
        rows = await query(db, "SELECT count(*) FROM broadcasts WHERE status = 'done'")
        return bool(rows[0][0] == 1)

    await until(done, "the broadcast finished")
    assert copies() == [6101]


async def test_audience_buttons_show_words_not_codes(
    make_client: MakeClient, db: Database
) -> None:
    person = await make_client(user_id=6201, first_name="Ученик")
    await onboard(person, role="Учусь в школе")
    await school_test(person)
    await person.click("Да, присылать")
    admin = await make_client(user_id=ADMIN_ID, first_name="Админ")
    await admin.send("/broadcast")
    await admin.send("Новость")
    await admin.click("По типу теста")
    assert "Человек — техника (1)" in admin.button_labels()
    await admin.click("Назад")
    await admin.click("По языку")
    assert "русский (1)" in admin.button_labels()
    await admin.click("русский (1)")
    assert "язык: русский, получателей — 1" in admin.last_text
