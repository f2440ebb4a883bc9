"""The free-training check («Кадры», «Содействие занятости»): both verdicts, old questions,
and the nearest centre when the place is known."""

from __future__ import annotations

import pytest

from bot.runtime.offline import ChatSimulator, callback_answers
from tests.support.chat import PERM, onboard

# Applications and questions go to the consultants' chat, as in production.
pytestmark = pytest.mark.staff_chat


async def test_the_free_training_check_both_ways(client: ChatSimulator) -> None:
    await onboard(client)
    await client.click("Учиться бесплатно")
    await client.click("35–49")  # the age band first, once
    assert "Вопрос 1" in client.last_text and "50 лет" in client.last_text
    first_question = client.last_message.message_id
    await client.click("Нет")
    await client.click("Да")  # parental leave
    verdict = client.last_text
    assert verdict.startswith("✅ Вероятно, вы можете учиться бесплатно")
    assert "«Работа России»" in verdict and "Постановление Правительства РФ" in verdict
    assert "гарантир" not in verdict.lower()
    assert "Ближайшие центры" in client.button_labels()[-4] or any(
        "Ближайшие" in label for label in client.button_labels()
    )

    replies = await client.send_callback("el:0:y", message_id=first_question)
    assert callback_answers(replies)  # an old question: answered, never a spinner
    assert "завершена" in client.last_text

    await client.send("/free")
    while "Вопрос" in client.last_text:
        await client.click("Нет")
    assert client.last_text.startswith("По этим признакам — скорее нет, но")


async def test_the_free_check_names_the_nearest_centre_when_the_place_is_known(
    client: ChatSimulator,
) -> None:
    await onboard(client)
    await client.send_location(*PERM)
    await client.send("/free")
    await client.click("50+")  # the age category itself: no question needed
    assert "Ближайший ЦОПП: ЦОПП Пермского края, в вашем регионе" in client.last_text
