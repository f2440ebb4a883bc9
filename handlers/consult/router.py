"""A human consultant: the person's messages are copied into the consultant chat (or to the
admins), and a consultant's reply to such a copy is delivered back by the bot."""

from __future__ import annotations

import html
import logging
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.filters import BaseFilter, Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import Settings
from handlers.common import answer_callback_with, staff_chats
from handlers.consult.callbacks import ConsultAction, ConsultCb
from handlers.consult.states import Consult
from handlers.onboarding.callbacks import MoreAction, MoreCb
from handlers.programs.apply import person_link
from storage.db import Database

logger = logging.getLogger(__name__)


def end_keyboard() -> Any:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("✅ End the conversation"), callback_data=ConsultCb(action=ConsultAction.end))
    return kb.as_markup()


def not_connected_text() -> str:
    return _(
        "A human consultant is not connected to this bot yet. You can ask the ЦОПП of your "
        "region or the employment centre of your town directly: /centers."
    )


async def start_consultation(
    bot: Bot, chat_id: int, state: FSMContext, settings: Settings, query: CallbackQuery | None
) -> None:
    if not staff_chats(settings):
        text, markup = not_connected_text(), None
    else:
        await state.set_state(Consult.talking)
        text = _(
            "💬 Write your question — text, a photo or a document. I will pass it to a "
            "consultant, and the answer will come here, usually within a working day.\n"
            "Please don't send passport data here."
        )
        markup = end_keyboard()
    if query is not None:
        await answer_callback_with(query, text, markup)
    else:
        await bot.send_message(chat_id, text, reply_markup=markup)


async def cmd_consult(message: Message, bot: Bot, state: FSMContext, settings: Settings) -> None:
    await start_consultation(bot, message.chat.id, state, settings, None)


async def on_consult(
    query: CallbackQuery, bot: Bot, state: FSMContext, settings: Settings
) -> None:
    await start_consultation(bot, query.from_user.id, state, settings, query)


async def on_question(
    message: Message, bot: Bot, db: Database, settings: Settings, i18n: I18n
) -> None:
    assert message.from_user is not None
    with i18n.use_locale(settings.default_locale):
        header = _(
            "❓ <b>Question</b> from {person}\nReply to the message below to answer."
        ).format(person=person_link(message.from_user))
    delivered = False
    for chat_id in staff_chats(settings):
        try:
            head = await bot.send_message(chat_id, header)
            copy = await bot.copy_message(chat_id, message.chat.id, message.message_id)
        except TelegramAPIError:
            logger.warning("A question could not be copied to chat %d", chat_id)
            continue
        async with db.transaction() as tx:
            await tx.relay.remember(chat_id, head.message_id, message.from_user.id)
            await tx.relay.remember(chat_id, copy.message_id, message.from_user.id)
        delivered = True
    if delivered:
        await message.answer(
            _("Sent to a consultant ✅ You can add more, or end the conversation."),
            reply_markup=end_keyboard(),
        )
    else:
        await message.answer(
            _(
                "I couldn't reach a consultant right now. Please try again a little later — "
                "your message is still here in the chat."
            ),
            reply_markup=end_keyboard(),
        )


async def on_end(query: CallbackQuery, state: FSMContext) -> None:
    if await state.get_state() == Consult.talking.state:
        await state.set_state(None)
    await answer_callback_with(
        query, _("The conversation is over. Thank you! /menu — the main menu.")
    )


class ReplyToRelayed(BaseFilter):
    """A reply, in a staff chat, to a question the bot copied there: passes the person's id."""

    async def __call__(
        self, message: Message, settings: Settings, db: Database
    ) -> bool | dict[str, Any]:
        reply = message.reply_to_message
        if reply is None or message.chat.id not in staff_chats(settings):
            return False
        async with db.autocommit() as repos:
            user_id = await repos.relay.target(message.chat.id, reply.message_id)
        return False if user_id is None else {"relay_user_id": user_id}


async def on_consultant_reply(
    message: Message,
    bot: Bot,
    db: Database,
    settings: Settings,
    i18n: I18n,
    relay_user_id: int,
) -> None:
    async with db.autocommit() as repos:
        person = await repos.users.get(relay_user_id)
    locale = (person.locale if person else None) or settings.default_locale
    with i18n.use_locale(locale):
        header = _("💬 <b>Answer from a consultant:</b>")
    try:
        await bot.send_message(relay_user_id, header)
        await bot.copy_message(relay_user_id, message.chat.id, message.message_id)
    except TelegramForbiddenError:
        async with db.autocommit() as repos:
            await repos.users.set_blocked(relay_user_id, blocked=True)
        note = _("Not delivered: the person has blocked the bot.")
    except TelegramAPIError as error:
        note = _("Not delivered: {error}").format(error=html.escape(error.message))
    else:
        note = _("✅ Delivered.")
    await message.reply(note)


async def ignore_staff_chatter(message: Message) -> None:
    """Other messages in the consultant group are staff talking among themselves."""


def create_relay_router(settings: Settings) -> Router:
    """Comes first: a reply from a consultant must not be taken for a person's input."""
    router = Router(name=f"{__name__}.relay")
    router.message.register(on_consultant_reply, ReplyToRelayed())
    if settings.consultant_chat_id is not None:
        router.message.register(ignore_staff_chatter, F.chat.id == settings.consultant_chat_id)
    return router


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_consult, Command("consult"))
    router.message.register(on_question, Consult.talking, ~F.text.startswith("/"))
    router.callback_query.register(on_consult, MoreCb.filter(F.action == MoreAction.consult))
    router.callback_query.register(on_end, ConsultCb.filter(F.action == ConsultAction.end))
    return router
