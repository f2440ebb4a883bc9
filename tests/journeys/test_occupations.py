"""Occupations through the real dispatcher: a test result names jobs whose buttons open their
cards; a card's «Программы рядом» lists programmes within reach (asking the place first when
it is unknown); «Спросить консультанта» opens the consultation; forged ids get an answer."""

from __future__ import annotations

import pytest

from bot.domain.occupations import get_occupation
from bot.domain.quiz.content import load_quiz_catalog
from bot.runtime.offline import ChatSimulator, Request
from bot.runtime.reply import Talk
from bot.runtime.services import Services
from handlers.occupations.router import show_occupations
from handlers.quiz.callbacks import QuizAction
from tests.support.chat import PERM, onboard, result_texts, start_quiz, tap_quiz

pytestmark = pytest.mark.staff_chat

RIASEC = load_quiz_catalog().instruments["riasec"]


async def _adult_result(client: ChatSimulator, preference: dict[str, int]) -> str:
    await start_quiz(client, "Тест интересов")
    replies: list[Request] = []
    for item_type in RIASEC.keys:
        replies = await tap_quiz(client, QuizAction.answer, preference[item_type])
    return result_texts(replies)[-1]


async def test_a_result_names_occupations_whose_buttons_open_their_cards(
    client: ChatSimulator,
) -> None:
    await onboard(client)
    result = await _adult_result(client, {"R": 4, "C": 3, "I": 1, "A": 0, "S": 1, "E": 0})
    assert "<b>Профессии, на которые стоит посмотреть</b>" in result
    welder = get_occupation("welder")
    assert welder is not None and f"• {welder.name_ru}" in result
    jobs = [line for line in result.splitlines() if line.startswith("• ")]
    assert 3 <= len(jobs) <= 6
    labels = client.button_labels()
    assert "Сварщик" in labels
    result_message = client.last_message.message_id
    await client.click("Сварщик")
    card = client.last_text
    assert client.last_message.message_id != result_message  # the result stays readable
    assert card.startswith("<b>Сварщик</b>")
    assert "15.01.05 Сварщик (ручной и частично механизированной сварки (наплавки))" in card
    assert "Практик" in card  # the RIASEC type in words
    assert {"📍 Программы рядом", "💬 Спросить консультанта", "🏠 Меню"} <= set(
        client.button_labels()
    )


async def test_programmes_nearby_ask_the_place_then_list_welding_within_reach(
    client: ChatSimulator,
) -> None:
    await onboard(client)
    await client.send_callback("oc:o:welder")
    await client.click("Программы рядом")
    assert client.reply_keyboard is not None  # the place is asked for
    await client.send("Екатеринбург")
    listing = client.last_text
    assert listing.startswith("<b>Программы по профессии «Сварщик» рядом</b>")
    assert "1. <b>Сварщик ручной дуговой сварки" in listing
    assert "Свердловской области" in listing
    await client.click("1. Сварщик")
    assert client.last_text.startswith("<b>Сварщик")
    assert "✍️ Подать заявку" in client.button_labels()


async def test_programmes_nearby_with_a_known_place_and_none_near(
    client: ChatSimulator,
) -> None:
    await onboard(client)
    await client.send_location(*PERM)
    await client.send_callback("oc:o:boiler_operator")
    await client.click("Программы рядом")
    listing = client.last_text
    assert listing.startswith("<b>Программы по профессии «Оператор котельной» рядом</b>")
    assert "1. <b>Оператор котельной</b>" in listing and "ЦОПП Пермского края" in listing
    await client.click("Назад")
    assert client.last_text.startswith("<b>Оператор котельной</b>")
    # Welding is taught in Екатеринбург, beyond reach of Пермь: said so, with ways on.
    await client.send_callback("oc:o:welder")
    await client.click("Программы рядом")
    assert "Пока не нашёл программ по профессии «Сварщик» рядом с вами" in client.last_text
    assert "Ближайшая: «Сварщик ручной дуговой сварки», ЦОПП Свердловской области" in (
        client.last_text
    )
    assert "15.01.05" in client.last_text
    # A geologist: the catalogue has nothing for it — said honestly, with ways on.
    await client.send_callback("oc:o:geologist")
    await client.click("Программы рядом")
    assert "Пока не нашёл программ по профессии «Геолог» рядом с вами" in client.last_text
    assert "в других местах" not in client.last_text
    assert "💬 Спросить консультанта" in client.button_labels()


async def test_ask_a_consultant_opens_the_consultation(client: ChatSimulator) -> None:
    await onboard(client)
    await client.send_callback("oc:o:cook")
    await client.click("Спросить консультанта")
    assert "Напишите ваш вопрос" in client.last_text


@pytest.mark.parametrize(
    "data", ["oc:o:no_such_job", "oc:c:", "oc:p:../../etc", "oc:a:x", "oc:l:", "oc:z:welder"]
)
async def test_forged_occupation_buttons_get_a_clear_answer(
    client: ChatSimulator, data: str
) -> None:
    await onboard(client)
    replies = await client.send_callback(data)
    assert replies, "never a silent drop"
    answers = " ".join(str(r.method) for r in replies)
    assert "Этой профессии больше нет" in client.last_text or "кнопка уже не работает" in answers


async def _talk(client: ChatSimulator) -> Talk:
    """The `talk` a handler of another feature (free text, search) would have."""
    services: Services = client.dispatcher["services"]
    async with services.db.autocommit() as repos:
        user_row = await repos.users.get(client.user.id)
    assert user_row is not None
    state = client.dispatcher.fsm.get_context(client.bot, client.chat.id, client.user.id)
    return Talk(client.bot, client.chat.id, state, services, user_row, "ru")


async def _show(client: ChatSimulator, ids: list[str]) -> None:
    """`show_occupations` called by another feature's handler; the chat sees what it sent."""
    talk = await _talk(client)
    services: Services = client.dispatcher["services"]
    start = len(client.session.requests)
    with services.i18n.context(), services.i18n.use_locale("ru"):
        await show_occupations(talk, ids)
    for request in client.session.requests[start:]:
        client._apply(request)


async def test_show_occupations_offers_a_chooser_with_a_way_back(client: ChatSimulator) -> None:
    await onboard(client)
    await _show(client, ["programmer", "no_such_job", "web_developer", "tester"])
    assert client.last_text.startswith("<b>Что из этого вам ближе?</b>")
    assert {"Программист", "Веб-разработчик", "Тестировщик"} <= set(client.button_labels())
    await client.click("Веб-разработчик")
    assert client.last_text.startswith("<b>Веб-разработчик</b>")
    assert "09.02.07 Информационные системы и программирование" in client.last_text
    await client.click("Назад")
    assert client.last_text.startswith("<b>Что из этого вам ближе?</b>")


async def test_show_occupations_with_one_id_shows_its_card(client: ChatSimulator) -> None:
    await onboard(client)
    await _show(client, ["doctor"])
    card = client.last_text
    assert card.startswith("<b>Врач</b>")
    assert "коротких программ" in card.lower() or "Коротких программ" in card
    assert "Назад" not in " ".join(client.button_labels()[-3:])
