"""Forged catalogue and picker buttons get a clear answer or the right step, never a
failure."""

from __future__ import annotations

import pytest
from aiogram.methods import AnswerCallbackQuery

from bot.runtime.offline import ChatSimulator, callback_answers
from tests.support.chat import onboard

# Applications and questions go to the consultants' chat, as in production.
pytestmark = pytest.mark.staff_chat


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("ce:card:copp-nowhere", "Этого центра больше нет"),
        ("ce:pin:copp-perm-krai", "не знаю, где именно"),
        ("pg:card:nope:0", "Этой программы больше нет"),
        ("pg:apply:nope:0", "Этой программы больше нет"),
        ("ap:yes:nope", "Этой программы больше нет"),
    ],
)
async def test_forged_catalogue_buttons_get_a_clear_answer(
    client: ChatSimulator, payload: str, expected: str
) -> None:
    await onboard(client)
    replies = await client.send_callback(payload)
    (answer,) = [r.method for r in replies if isinstance(r.method, AnswerCallbackQuery)]
    assert answer.text is not None and expected.lower() in answer.text.lower()


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("pl:dd:99:", "Выберите федеральный округ"),
        ("pl:r:0:atlantis", "Выберите федеральный округ"),
        ("fd:ZZZ", "Выберите направление"),
        ("el:5:y", "завершена"),
        ("pf:fmt:online", "1/3"),
        ("pf:len:forever", "1/3"),
    ],
)
async def test_forged_picker_buttons_show_the_right_step(
    client: ChatSimulator, payload: str, expected: str
) -> None:
    await onboard(client)
    replies = await client.send_callback(payload)
    assert callback_answers(replies)
    assert expected in client.last_text
