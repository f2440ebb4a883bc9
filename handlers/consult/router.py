"""A human consultant: the person's messages are copied into the consultant chat (or to the
admins), and a consultant's reply to such a copy is delivered back by the bot."""

from __future__ import annotations

import html
import logging
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.filters import BaseFilter, Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.runtime.reply import Talk
from bot.runtime.services import Services
from bot.services.profile import mark_blocked, saved_locale
from bot.services.staff import relay_target, remember_relay, staff_chats
from handlers.consult.callbacks import ConsultAction, ConsultCb
from handlers.consult.states import Consult
from handlers.consult.view import end_keyboard, not_connected_text, person_link
from handlers.onboarding.callbacks import MoreAction, MoreCb

logger = logging.getLogger(__name__)


async def start_consultation(_event: Message | CallbackQuery, talk: Talk) -> None:
    if not staff_chats(talk.services.settings):
        await talk.show(not_connected_text())
        return
    await talk.state.set_state(Consult.talking)
    await talk.show(
        _(
            "💬 Write your question — text, a photo or a document. I will pass it to a "
            "consultant, and the answer will come here, usually within a working day.\n"
            "Please don't send passport data here."
        ),
        end_keyboard(),
    )


async def on_question(message: Message, bot: Bot, services: Services) -> None:
    assert message.from_user is not None
    settings = services.settings
    with services.i18n.use_locale(settings.default_locale):
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
        await remember_relay(
            services.db, chat_id, (head.message_id, copy.message_id), message.from_user.id
        )
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


async def on_end(_query: CallbackQuery, talk: Talk) -> None:
    if await talk.state.get_state() == Consult.talking.state:
        await talk.state.set_state(None)
    await talk.show(_("The conversation is over. Thank you! /menu — the main menu."))


class ReplyToRelayed(BaseFilter):
    """A reply, in a staff chat, to a question the bot copied there: passes the person's id."""

    async def __call__(self, message: Message, services: Services) -> bool | dict[str, Any]:
        reply = message.reply_to_message
        if reply is None or message.chat.id not in staff_chats(services.settings):
            return False
        user_id = await relay_target(services.db, message.chat.id, reply.message_id)
        return False if user_id is None else {"relay_user_id": user_id}


async def on_consultant_reply(
    message: Message, bot: Bot, services: Services, relay_user_id: int
) -> None:
    locale = await saved_locale(services.db, relay_user_id) or services.settings.default_locale
    with services.i18n.use_locale(locale):
        header = _("💬 <b>Answer from a consultant:</b>")
    try:
        await bot.send_message(relay_user_id, header)
        await bot.copy_message(relay_user_id, message.chat.id, message.message_id)
    except TelegramForbiddenError:
        await mark_blocked(services.db, relay_user_id)
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
    router.message.register(start_consultation, Command("consult"))
    router.message.register(on_question, Consult.talking, ~F.text.startswith("/"))
    router.callback_query.register(
        start_consultation, MoreCb.filter(F.action == MoreAction.consult)
    )
    router.callback_query.register(on_end, ConsultCb.filter(F.action == ConsultAction.end))
    return router
