"""Steps shared by the news, links and class journeys: finishing the school test by an order
of the school types."""

from __future__ import annotations

from bot.domain.quiz.content import load_quiz_catalog
from bot.runtime.offline import ChatSimulator, Request
from handlers.quiz.callbacks import QuizAction, QuizCb

KLIMOV = load_quiz_catalog().instruments["klimov"]


def klimov_choices(order: list[str]) -> list[int]:
    """Answers to every pair that prefer the type earlier in `order`."""
    return [int(order.index(b) < order.index(a)) for a, b in KLIMOV.keys]


def klimov_leader(leader: str) -> list[int]:
    """Answers with one clearly leading type: it wins every pair it is in, and the other
    pairs go to A and B in turn."""
    return [
        (0 if a == leader else 1) if leader in (a, b) else index % 2
        for index, (a, b) in enumerate(KLIMOV.keys)
    ]


async def answer_questions(client: ChatSimulator, answers: list[int]) -> list[Request]:
    """Answer the questions on the screen one by one; the replies to the last answer."""
    replies: list[Request] = []
    for value in answers:
        markup = client.last_message.markup
        assert markup is not None, client.last_text
        data = next(
            b.callback_data
            for row in markup.inline_keyboard
            for b in row
            if b.callback_data
            and b.callback_data.startswith("q:")
            and QuizCb.unpack(b.callback_data).action is QuizAction.answer
            and QuizCb.unpack(b.callback_data).value == value
        )
        replies = await client.send_callback(data, message_id=client.last_message.message_id)
    return replies


async def school_test(client: ChatSimulator, leader: str = "tech") -> list[Request]:
    """/test → the school test, with `leader` clearly ahead."""
    await client.send("/test")
    await client.click("Тест для школьников")
    return await answer_questions(client, klimov_leader(leader))
