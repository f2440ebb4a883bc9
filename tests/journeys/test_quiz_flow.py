"""Quiz journeys through the real dispatcher: both quizzes end to end, pause and resume (also
across a restart), stale, double and forged taps, typing instead of tapping, /myresult."""

from __future__ import annotations

import pytest
from aiogram import Dispatcher
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendPhoto

from bot.app import create_dispatcher
from bot.config import Settings
from bot.domain.quiz.content import load_quiz_catalog
from bot.runtime.offline import ChatSimulator, Request
from handlers.quiz.callbacks import QuizAction, QuizCb
from storage.db import Database
from tests.support.chat import (
    MakeClient,
    onboard,
    quiz_buttons,
    result_texts,
    sent_texts,
    start_quiz,
    tap_quiz,
)
from tests.support.sql import query

CATALOG = load_quiz_catalog()
RIASEC = CATALOG.instruments["riasec"]
KLIMOV = CATALOG.instruments["klimov"]


async def test_adult_quiz_end_to_end_with_a_clear_social_profile(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client)
    await start_quiz(client, "Тест интересов")
    assert "▱▱▱▱▱▱▱▱▱▱" in client.last_text
    question_message = client.last_message.message_id
    preference = {"S": 4, "A": 3, "E": 2, "R": 1, "I": 1, "C": 0}
    replies: list[Request] = []
    for number, item_type in enumerate(RIASEC.keys, start=1):
        assert client.last_text.startswith(f"Вопрос {number} из 30")
        assert client.last_message.message_id == question_message  # edited in place
        replies = await tap_quiz(client, QuizAction.answer, preference[item_type])

    photo = next(r.method for r in replies if isinstance(r.method, SendPhoto))
    # E scores 10 of 20 («not sure» on average): not a type the person likes, not named.
    assert photo.caption == "Ваш профиль интересов: S-A"
    png = next(r for r in replies if isinstance(r.method, SendPhoto)).files["photo"].content
    assert png.startswith(b"\x89PNG")
    result = result_texts(replies)[-1]
    assert "<b>Ваш профиль интересов: S-A</b>" in result
    s_type = CATALOG.text("ru", "riasec").types["S"]
    assert s_type.name in result and s_type.enjoy in result
    # Occupations from the catalogue led by S, those that are also A first, with card buttons.
    assert "• Воспитатель детского сада" in result and "• Учитель" in result
    assert "Учитель" in client.button_labels() and "Воспитатель" in client.button_labels()
    assert "Пройти ещё раз" in client.button_labels()[-5]  # the news question's two follow

    async with db.transaction() as tx:
        saved = await tx.results.latest(client.user.id)
    assert saved is not None and saved.instrument == "riasec" and saved.code == "S-A"
    assert len(saved.answers) == 30 and saved.scores["S"] == 20
    assert saved.vector["S"] == 1.0 and saved.started_at


async def test_school_quiz_end_to_end_names_type_profiles_and_specialties(
    make_client: MakeClient, db: Database
) -> None:
    client = await make_client(user_id=3001, first_name="Петя")
    await onboard(client, role="Учусь в школе")
    await client.send("/test")
    assert client.button_labels()[-3] == "🎒 Тест для школьников"  # students see theirs first
    await client.click("Тест для школьников")
    order = ["tech", "signs", "nature", "art", "people"]
    replies: list[Request] = []
    for type_a, type_b in KLIMOV.keys:
        value = 0 if order.index(type_a) < order.index(type_b) else 1
        replies = await tap_quiz(client, QuizAction.answer, value)
    result = result_texts(replies)[-1]
    tech = CATALOG.text("ru", "klimov").types["tech"]
    assert f"<b>{tech.name}</b>: 8 из 8, ярко выражен" in result
    assert "технологический" in result
    assert "• Сварщик" in result and "Сварщик" in client.button_labels()
    # A consistent order puts the next type two points behind: within the test's error, so
    # both are said as the closest, and nothing is named as the one leading type.
    signs = CATALOG.text("ru", "klimov").types["signs"]
    photo = next(r.method for r in replies if isinstance(r.method, SendPhoto))
    assert photo.caption == f"Ближе всего вам: {tech.name} + {signs.name}"
    async with db.transaction() as tx:
        saved = await tx.results.latest(client.user.id)
    assert saved is not None and saved.code is None and saved.scores["tech"] == 8


async def test_pause_and_resume_from_the_menu_keeps_answers(client: ChatSimulator) -> None:
    await onboard(client)
    await start_quiz(client, "Тест интересов")
    for _ in range(6):
        await tap_quiz(client, QuizAction.answer, 3)
    await tap_quiz(client, QuizAction.pause)
    assert "на паузе: вопрос 7 из 30" in client.last_text
    await client.send("/menu")
    menu = client.last_message.markup
    assert menu is not None and menu.inline_keyboard[0][0].text == "▶️ Продолжить тест"
    await client.click("Продолжить тест")
    assert client.last_text.startswith("Вопрос 7 из 30")
    await tap_quiz(client, QuizAction.back)
    assert client.last_text.startswith("Вопрос 6 из 30")
    assert "✓ 🙂 Скорее да" in client.button_labels()  # the earlier answer is marked


async def test_walking_away_and_a_restart_resume_at_the_same_question(
    settings: Settings, client: ChatSimulator, db: Database
) -> None:
    await onboard(client)
    await start_quiz(client, "Тест интересов")
    for _ in range(4):
        await tap_quiz(client, QuizAction.answer, 2)
    client.dispatcher = create_dispatcher(settings, db, throttle=False)  # the bot restarted
    await client.send("/test")
    assert "вопрос 5 из 30" in client.last_text
    await client.click("Продолжить")
    assert client.last_text.startswith("Вопрос 5 из 30")


async def test_start_again_is_an_explicit_choice(client: ChatSimulator) -> None:
    await onboard(client)
    await start_quiz(client, "Тест интересов")
    await tap_quiz(client, QuizAction.answer, 4)
    await client.send("/test")
    await client.click("Начать заново")
    assert client.last_text.startswith("Вопрос 1 из 30")
    assert not any(label.startswith("✓") for label in client.button_labels())


async def test_stale_double_and_forged_taps_never_count(
    client: ChatSimulator, dispatcher: Dispatcher
) -> None:
    await onboard(client)
    await start_quiz(client, "Тест интересов")
    first = quiz_buttons(client)
    message_id = client.last_message.message_id
    await client.send_callback(first[(QuizAction.answer, 4)], message_id=message_id)
    # The same button again (a double tap): refused with a notice, nothing counted.
    replies = await client.send_callback(first[(QuizAction.answer, 4)], message_id=message_id)
    (notice,) = [r.method for r in replies if isinstance(r.method, AnswerCallbackQuery)]
    assert notice.text == "Этот вопрос уже позади — вот текущий."
    assert client.last_text.startswith("Вопрос 2 из 30")

    attempt = QuizCb.unpack(first[(QuizAction.answer, 4)]).attempt
    forged = [
        QuizCb(action=QuizAction.answer, attempt="nope", question=1, value=4).pack(),
        QuizCb(action=QuizAction.answer, attempt=attempt, question=1, value=9).pack(),
        QuizCb(action=QuizAction.answer, attempt=attempt, question=7, value=1).pack(),
        QuizCb(action=QuizAction.answer, attempt=attempt, question=-1, value=1).pack(),
        f"q:a:{attempt}:1:x",
        "q:zz",
    ]
    for data in forged:
        replies = await client.send_callback(data, message_id=message_id)
        assert any(isinstance(r.method, AnswerCallbackQuery) for r in replies)
    state = await dispatcher.fsm.get_context(
        client.bot, chat_id=client.user.id, user_id=client.user.id
    ).get_data()
    assert state["quiz"]["position"] == 1
    assert state["quiz"]["answers"][:2] == [4, None]


async def test_a_tap_on_an_old_message_shows_the_current_question_anew(
    client: ChatSimulator,
) -> None:
    await onboard(client)
    await start_quiz(client, "Тест интересов")
    old_message = client.last_message.message_id
    old = quiz_buttons(client)
    await tap_quiz(client, QuizAction.answer, 2)
    await tap_quiz(client, QuizAction.pause)
    await client.click("Продолжить")  # the question comes back in a new message
    assert client.last_message.message_id != old_message
    replies = await client.send_callback(old[(QuizAction.answer, 0)], message_id=old_message)
    notices = [r.method.text for r in replies if isinstance(r.method, AnswerCallbackQuery)]
    assert notices == ["Этот вопрос уже позади — вот текущий."]
    assert sent_texts(replies) == [client.last_text]
    assert client.last_text.startswith("Вопрос 2 из 30")


async def test_typing_during_the_quiz_reminds_and_repeats_the_question(
    client: ChatSimulator,
) -> None:
    await onboard(client)
    await start_quiz(client, "Тест интересов")
    await tap_quiz(client, QuizAction.answer, 1)
    replies = await client.send("а можно пропустить?")
    reminder, question = sent_texts(replies)
    assert "кнопками" in reminder
    assert question.startswith("Вопрос 2 из 30")
    await tap_quiz(client, QuizAction.answer, 1)  # the new question message works
    assert client.last_text.startswith("Вопрос 3 из 30")


async def test_my_result_before_and_after_a_quiz(client: ChatSimulator) -> None:
    await onboard(client)
    replies = await client.send("/myresult")
    assert "Результата пока нет" in sent_texts(replies)[0]
    await start_quiz(client, "Тест интересов")
    for item_type in RIASEC.keys:
        await tap_quiz(client, QuizAction.answer, 4 if item_type == "R" else 1)
    replies = await client.send("/myresult")
    assert any(isinstance(r.method, SendPhoto) for r in replies)
    assert sent_texts(replies)[-1].startswith("Тест пройден 20")
    assert "<b>Ваш профиль интересов: R</b>" in sent_texts(replies)[-1]


async def test_without_consent_result_is_shown_but_not_kept(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client, consent=False)
    await start_quiz(client, "Тест интересов")
    replies: list[Request] = []
    for _ in RIASEC.keys:
        replies = await tap_quiz(client, QuizAction.answer, 2)
    assert "Результат пока не ясен" in sent_texts(replies)[-2]
    assert "не сохранён" in sent_texts(replies)[-1]
    assert await query(db, "SELECT count(*) FROM quiz_results") == [(0,)]
    replies = await client.send("/myresult")
    assert "только с вашего согласия" in sent_texts(replies)[0]


async def test_result_text_arrives_even_when_the_chart_cannot_be_drawn(
    client: ChatSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(chart: object) -> bytes:
        raise RuntimeError("no fonts on this server")

    monkeypatch.setattr("handlers.quiz.router.render_in_thread", broken)
    await onboard(client)
    await start_quiz(client, "Тест интересов")
    replies: list[Request] = []
    for item_type in RIASEC.keys:
        replies = await tap_quiz(client, QuizAction.answer, 4 if item_type == "C" else 0)
    assert not any(isinstance(r.method, SendPhoto) for r in replies)
    assert "<b>Ваш профиль интересов: C</b>" in result_texts(replies)[-1]


async def test_the_finished_question_message_says_done(client: ChatSimulator) -> None:
    await onboard(client)
    await start_quiz(client, "Тест интересов")
    question_message = client.last_message.message_id
    for _ in RIASEC.keys:
        replies = await tap_quiz(client, QuizAction.answer, 3)
    edits = [r.method for r in replies if isinstance(r.method, EditMessageText)]
    assert edits[-1].message_id == question_message
    assert edits[-1].text == "✅ Готово! Вот ваш результат."
    assert client.messages[question_message].markup is None
