"""Bad input gets a clear answer: unknown commands and text, stickers, forged callbacks,
exceptions inside handlers, Telegram's 429 and 403, and people who send too much."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from aiogram import Bot
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import Chat, Message, Update, User

from bot.app import create_dispatcher
from bot.config import Settings
from bot.runtime.i18n import create_i18n
from bot.runtime.middlewares import ThrottlingMiddleware
from bot.runtime.offline import ChatSimulator, OfflineSession, callback_answers
from storage.db import Database
from tests.support.chat import sent_texts


async def test_unknown_command_is_named_escaped_with_the_menu(client: ChatSimulator) -> None:
    replies = await client.send("/teleport<b>now</b> please")
    (text,) = sent_texts(replies)
    assert "Не знаю команду /teleport&lt;b&gt;now&lt;/b&gt;" in text
    assert "🌐 Язык" in client.button_labels()


async def test_text_nobody_understands_gets_options_and_the_menu(client: ChatSimulator) -> None:
    replies = await client.send("абырвалг <i>x</i>")
    (text,) = sent_texts(replies)
    assert "Не уверен, что понял «абырвалг &lt;i&gt;x&lt;/i&gt;»" in text
    assert "🏠 Меню" in client.button_labels()


async def test_sticker_and_file_get_a_polite_sentence(client: ChatSimulator) -> None:
    for replies in (await client.send_sticker(), await client.send_document("cv.pdf", b"%PDF")):
        (text,) = sent_texts(replies)
        assert "понимаю кнопки и команды" in text


@pytest.mark.parametrize(
    "payload",
    ["m:launch_missiles", "c:yes:extra", "r:king", "l:de", "f:", "zzz", "", "m:" + "x" * 200,
     "\x00\xff", "f:yes\n"],
)  # fmt: skip
async def test_forged_callback_is_answered_and_changes_nothing(
    client: ChatSimulator, db: Database, payload: str
) -> None:
    replies = await client.send_callback(payload)
    assert len(callback_answers(replies)) == 1
    assert "Главное меню" in client.last_text
    async with db.transaction() as tx:
        row = await tx.users.get(client.user.id)
    assert row is not None and not row.has_consent and row.role is None


async def test_old_button_without_accessible_message_still_works(client: ChatSimulator) -> None:
    replies = await client.send_callback("m:help")  # no message attached, as for a very old one
    assert len(callback_answers(replies)) == 1
    assert "/forget" in client.last_text


async def test_exception_in_handler_gives_one_calm_sentence_and_a_log(
    client: ChatSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    # Telegram rejects the greeting: the handler fails half-way.
    client.session.queue_response(
        SendMessage, status=400, ok=False, description="Bad Request: chat not found"
    )
    with caplog.at_level(logging.ERROR):
        replies = await client.send("/start")
    assert sent_texts(replies)[-1] == "Что-то пошло не так — попробуйте /menu"
    failed = [r for r in caplog.records if "failed" in r.getMessage()]
    assert failed and failed[0].exc_info is not None
    assert "Update 1 failed: TelegramBadRequest" in failed[0].getMessage()


async def test_exception_in_callback_handler_answers_the_tap(client: ChatSimulator) -> None:
    await client.send("/start")
    client.session.queue_response(
        SendMessage, status=400, ok=False, description="Bad Request: something odd"
    )
    replies = await client.click("Даю согласие")
    assert callback_answers(replies)
    assert sent_texts(replies)[-1] == "Что-то пошло не так — попробуйте /menu"


async def test_flood_control_429_is_waited_out_and_the_reply_arrives(
    client: ChatSimulator,
) -> None:
    client.session.queue_response(
        SendMessage, status=429, ok=False, description="Too Many Requests", retry_after=1
    )
    replies = await client.send("/help")
    sends = [r for r in replies if isinstance(r.method, SendMessage)]
    assert len(sends) == 2  # refused once, then delivered
    assert sends[-1].result is not None and "/forget" in sent_texts(replies)[-1]


async def test_user_who_blocked_the_bot_is_marked_and_not_answered(
    client: ChatSimulator, db: Database
) -> None:
    client.session.queue_response(
        SendMessage, status=403, ok=False, description="Forbidden: bot was blocked by the user"
    )
    replies = await client.send("/help")
    assert len(sent_texts(replies)) == 1  # the refused reply; no second attempt to talk
    async with db.transaction() as tx:
        row = await tx.users.get(client.user.id)
    assert row is not None and row.is_blocked
    await client.send("/menu")  # writing again means unblocked
    async with db.transaction() as tx:
        row = await tx.users.get(client.user.id)
    assert row is not None and not row.is_blocked


async def test_flooding_user_is_throttled_without_slowing_others(
    settings: Settings, db: Database, bot: Bot, session: OfflineSession
) -> None:
    dispatcher = create_dispatcher(settings, db, throttle=True)
    flooder = ChatSimulator(dispatcher, bot, session, user_id=1, first_name="Флуд")
    calm = ChatSimulator(dispatcher, bot, session, user_id=2, first_name="Тихоня")
    answers = []
    for _ in range(12):
        # A cheap answer: the test is about the window, not about what is answered.
        answers.extend(sent_texts(await flooder.send("/help")))
    notices = [t for t in answers if t.startswith("Слишком часто")]
    assert len(notices) == 1
    assert len(answers) == 6  # five answered, one notice, the rest ignored for a moment
    assert sent_texts(await calm.send("привет"))[0].startswith("Привет!")


async def test_throttling_ends_after_the_cooldown_and_taps_are_answered() -> None:
    now = [100.0]
    middleware = ThrottlingMiddleware(
        create_i18n("ru"), "ru", limit=2, period=1.0, cooldown=3.0, clock=lambda: now[0]
    )
    session = OfflineSession()
    bot = Bot("42:TEST-token", session=session)
    user = User(id=5, is_bot=False, first_name="Ю", language_code="ru")
    handled: list[int] = []

    async def handler(update: object, data: dict[str, object]) -> None:
        assert isinstance(update, Update)
        handled.append(update.update_id)

    def message_update(update_id: int) -> Update:
        message = Message(
            message_id=update_id,
            date=datetime.now(UTC),
            chat=Chat(id=5, type="private"),
            from_user=user,
            text="hi",
        )
        return Update(update_id=update_id, message=message)

    for update_id in range(1, 6):
        await middleware(handler, message_update(update_id), {"event_from_user": user, "bot": bot})
    assert handled == [1, 2]
    now[0] += 3.5
    await middleware(handler, message_update(6), {"event_from_user": user, "bot": bot})
    assert handled == [1, 2, 6]
    notices = [r.method for r in session.requests if isinstance(r.method, SendMessage)]
    assert [n.text for n in notices] == ["Слишком часто 🙂 Подождите пару секунд, пожалуйста."]
    assert not any(isinstance(r.method, AnswerCallbackQuery) for r in session.requests)


async def test_throttled_taps_are_answered_so_no_spinner_is_left(
    settings: Settings, db: Database, bot: Bot, session: OfflineSession
) -> None:
    dispatcher = create_dispatcher(settings, db, throttle=True)
    tapper = ChatSimulator(dispatcher, bot, session, user_id=3, first_name="Тап")
    answered = 0
    for _ in range(10):
        replies = await tapper.send_callback("m:help")
        answered += len(callback_answers(replies))
    assert answered == 10
