"""Text typed at the menu, through the real dispatcher: a place, a question from the FAQ, a
greeting, thanks, a complaint, nonsense passed on to a consultant — and text typed while a
step waits for its answer still goes to that step."""

from __future__ import annotations

import pytest
from aiogram.methods import SendMessage

from bot.runtime.offline import ChatSimulator, OfflineSession
from storage.db import Database
from tests.support.chat import MakeClient, onboard, sent_texts, staff_texts


async def test_a_place_at_the_menu_is_remembered_and_centres_follow(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client)
    replies = await client.send("я из Перми")
    texts = " ".join(sent_texts(replies))
    assert "Пермь" in texts and "Пермский край" in texts
    assert "Не уверен" not in texts
    assert "ЦОПП" in client.last_text  # the nearest centres
    async with db.autocommit() as repos:
        person = await repos.users.get(client.user.id)
    assert person is not None and person.region_slug == "perm-krai"


async def test_a_profession_with_a_typo_gets_its_card_and_programmes(
    client: ChatSimulator,
) -> None:
    await onboard(client)
    (card,) = sent_texts(await client.send("хочу стать сваршиком"))
    assert "Сварщик" in card and "15.01.05" in card
    assert "📍 Программы рядом" in client.button_labels()
    await client.click("Программы рядом")
    if "Где вы находитесь" in client.last_text:
        await client.send("Пермь")
    assert "сварщик" in client.last_text.lower()


async def test_a_field_gets_a_short_chooser(client: ChatSimulator) -> None:
    await onboard(client)
    await client.send("что-нибудь с детьми")
    labels = client.button_labels()
    kinds = ("Учитель", "Воспитатель", "Няня", "Вожатый", "Педагог")
    assert sum(any(k in label for k in kinds) for label in labels) >= 2, labels


async def test_a_question_is_answered_from_the_faq_with_its_source(
    client: ChatSimulator,
) -> None:
    await onboard(client)
    replies = await client.send("сколько стоит обучение?")
    (text,) = sent_texts(replies)
    assert "Сколько стоит" in text and "«Кадры»" in text
    assert '<a href="https://pravo.ppt.ru/' in text
    labels = client.button_labels()
    assert any("бесплатно" in label for label in labels)  # the next useful step
    await client.click("бесплатно")
    assert "бесплатно" in client.last_text.lower()


async def test_a_question_with_typos_still_finds_its_answer(client: ChatSimulator) -> None:
    await onboard(client)
    replies = await client.send("какие докуменды нужны")
    (text,) = sent_texts(replies)
    assert "паспорт" in text


async def test_an_english_question_gets_the_english_answer(make_client: MakeClient) -> None:
    client = await make_client(language_code="en")
    await client.send("/start")
    await client.click("I agree")
    await client.click("Work or training")
    replies = await client.send("can i study online")
    (text,) = sent_texts(replies)
    assert "online" in text and "Source:" in text


async def test_greeting_and_thanks_get_a_short_answer_and_the_next_step(
    client: ChatSimulator,
) -> None:
    await onboard(client)
    (hello,) = sent_texts(await client.send("привет"))
    assert hello.startswith("Привет!")
    assert "🧭 Пройти тест" in client.button_labels()
    (thanks,) = sent_texts(await client.send("спасибо"))
    assert thanks.startswith("Пожалуйста")


async def test_a_complaint_offers_a_person(client: ChatSimulator) -> None:
    await onboard(client)
    (text,) = sent_texts(await client.send("бот тупой ничего не работает"))
    assert text.startswith("Простите")
    assert "💬 Передать консультанту" in client.button_labels()


@pytest.mark.staff_chat
async def test_nonsense_is_passed_to_the_consultant_with_the_typed_text(
    client: ChatSimulator, session: OfflineSession
) -> None:
    await onboard(client)
    (text,) = sent_texts(await client.send("мой сосед говорит что <b>ЦОПП</b> закрыли это правда"))
    assert text.startswith("Не уверен, что понял")
    await client.click("Передать консультанту")
    assert client.last_text.startswith("Передал консультанту ✅")
    (question,) = staff_texts(session)[-1:]
    assert "&lt;b&gt;ЦОПП&lt;/b&gt; закрыли это правда</blockquote>" in question
    assert f"tg://user?id={client.user.id}" in question


async def test_text_during_the_quiz_still_goes_to_the_quiz(client: ChatSimulator) -> None:
    await onboard(client)
    await client.send("/test")
    await client.click("Тест интересов")
    assert client.last_text.startswith("Вопрос 1 из")
    replies = await client.send("сколько стоит обучение")
    texts = sent_texts(replies)
    assert not any("«Кадры»" in t for t in texts)


async def test_text_at_the_place_prompt_is_the_place(client: ChatSimulator) -> None:
    await onboard(client)
    await client.send("/centers")
    replies = await client.send("привет")
    texts = " ".join(sent_texts(replies))
    assert "Привет! 👋" not in texts
    assert "Не нашёл" in texts or "не нашёл" in texts.lower()


@pytest.mark.staff_chat
async def test_text_in_a_consultation_goes_to_the_consultant(
    client: ChatSimulator, session: OfflineSession
) -> None:
    await onboard(client)
    await client.send("/consult")
    await client.send("сколько стоит обучение")
    assert client.last_text.startswith("Отправил консультанту")
    assert staff_texts(session)[-1].endswith("<blockquote>сколько стоит обучение</blockquote>")
    assert not any(
        isinstance(r.method, SendMessage) and "«Кадры»" in r.method.text for r in session.requests
    )


async def test_an_occupation_in_a_town_gets_the_place_and_the_card(client: ChatSimulator) -> None:
    await onboard(client)
    texts = sent_texts(await client.send("где можно выучиться на повара в Казани"))
    assert any("Казань" in t for t in texts)  # the place is understood and kept
    assert "Повар" in " ".join(client.button_labels()) or any("Повар" in t for t in texts)


async def test_english_small_talk_and_a_place(make_client: MakeClient) -> None:
    client = await make_client(language_code="en")
    await client.send("/start")
    await client.click("I agree")
    await client.click("Work or training")
    (hello,) = sent_texts(await client.send("hello"))
    assert hello.startswith("Hi! 👋")
    texts = sent_texts(await client.send("i live in Kazan"))
    assert any("Kazan" in t for t in texts)
