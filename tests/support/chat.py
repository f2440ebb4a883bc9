"""A person in the chat simulator: the steps many journeys share, and what to read out of the
bot's replies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram.methods import CopyMessage, SendMessage

from bot.runtime.offline import ChatSimulator, OfflineSession, Request
from handlers.quiz.callbacks import QuizAction, QuizCb
from storage.db import Database
from tests.support.settings import STAFF_CHAT

# The `make_client` fixture: another person in the same bot.
MakeClient = Callable[..., Awaitable[ChatSimulator]]
# The regional capital of Perm Krai, where most sample programmes are.
PERM = (58.01046, 56.25017)


async def onboard(
    client: ChatSimulator, *, role: str = "Ищу работу", consent: bool = True, payload: str = ""
) -> None:
    """/start (with a deep-link `payload`), consent given or not, and a role."""
    await client.send(f"/start {payload}".strip())
    await client.click("Даю согласие" if consent else "Не сейчас")
    await client.click(role)


async def start_quiz(client: ChatSimulator, label: str) -> None:
    await client.send("/test")
    await client.click(label)
    assert client.last_text.startswith("Вопрос 1 из")


def quiz_buttons(client: ChatSimulator) -> dict[tuple[QuizAction, int], str]:
    """Buttons of the current question message: (action, value) -> callback data."""
    found = {}
    markup = client.last_message.markup
    assert markup is not None, client.last_text
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data and button.callback_data.startswith("q:"):
                data = QuizCb.unpack(button.callback_data)
                found[(data.action, data.value)] = button.callback_data
    return found


async def tap_quiz(client: ChatSimulator, action: QuizAction, value: int = 0) -> list[Request]:
    """A tap on a button of the question on the screen."""
    data = quiz_buttons(client)[(action, value)]
    return await client.send_callback(data, message_id=client.last_message.message_id)


def sent_texts(replies: list[Request]) -> list[str]:
    return [r.method.text for r in replies if isinstance(r.method, SendMessage)]


# Sent right after a saved result: the news question (after the first one) and, to a pupil,
# the offer to share the result.
FOLLOW_UPS = ("📰", "📤")


def result_texts(replies: list[Request]) -> list[str]:
    """What the bot sent, without the follow-ups that come after a result."""
    return [t for t in sent_texts(replies) if not t.startswith(FOLLOW_UPS)]


def staff_texts(session: OfflineSession) -> list[str]:
    """What the consultants' chat was sent."""
    return [
        r.method.text
        for r in session.requests
        if isinstance(r.method, SendMessage) and r.method.chat_id == STAFF_CHAT
    ]


async def choose_preferences(
    client: ChatSimulator, length: str, fmt: str, free: str, age: str = "35–49"
) -> None:
    """The questions before a programme list: the age band and status when not known yet
    (asked once), then length, format, free or paid."""
    if "Сколько вам лет" in client.last_text:
        await client.click(age)
    if "чем вы сейчас заняты" in client.last_text:
        await client.click("Работаю")
    assert "1/3" in client.last_text
    await client.click(length)
    assert "2/3" in client.last_text
    await client.click(fmt)
    assert "3/3" in client.last_text
    await client.click(free)


async def open_programme_card(client: ChatSimulator, program_id: str = "sample-041") -> None:
    await client.send_callback(f"pg:card:{program_id}:0")
    card = client.last_message.markup
    assert card is not None and card.inline_keyboard[0][0].text == "✍️ Подать заявку"


def last_to_staff(session: OfflineSession) -> Request:
    """The latest message the bot put into the staff chat."""
    return next(
        r
        for r in reversed(session.requests)
        if isinstance(r.method, SendMessage | CopyMessage) and r.method.chat_id == STAFF_CHAT
    )


async def save_adult_result(
    db: Database, user_id: int, scores: dict[str, int], code: str | None, started_at: str
) -> None:
    """A saved adult test result, as the quiz leaves it (the answers do not matter here)."""
    async with db.transaction() as tx:
        await tx.results.add(
            user_id=user_id,
            instrument="riasec",
            answers=[2] * 30,
            scores=scores,
            code=code,
            vector={t: s / 20 for t, s in scores.items()},
            started_at=started_at,
        )
