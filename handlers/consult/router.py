"""A human consultant: the person's messages go into the consultant chat (or to the admins)
under a header saying who asked, and a consultant's reply to anything the bot put there about
a person (a question, an application, a note) is delivered back by the bot.

A header and the words it introduces can never be told apart wrongly: a text question is one
message with the person's words quoted under the header; a photo, document or other media gets
the header as its caption; what cannot carry a caption (a sticker, a location, …) is copied as
a reply to its own header. Every message is linked to the person, so a reply to either works.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.filters import BaseFilter, Command
from aiogram.types import CallbackQuery, Message, ReplyParameters
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.runtime.reply import Talk
from bot.runtime.services import Services
from bot.services.centre_admins import question_chats
from bot.services.profile import mark_blocked, saved_locale
from bot.services.staff import (
    NoTarget,
    RelayTarget,
    is_any_staff_chat,
    relay_target,
    remember_relay,
)
from handlers.consult.callbacks import ConsultAction, ConsultCb
from handlers.consult.states import Consult
from handlers.consult.view import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    can_carry_caption,
    clip,
    end_keyboard,
    not_connected_text,
    person_link,
    question_header,
    quoted,
    telegram_length,
    visible_length,
)
from handlers.onboarding.callbacks import MoreAction, MoreCb

logger = logging.getLogger(__name__)


async def start_consultation(_event: Message | CallbackQuery, talk: Talk) -> None:
    services = talk.services
    if not await question_chats(services.db, services.settings, talk.user_row.id):
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


async def put_question(bot: Bot, chat_id: int, message: Message, header: str) -> list[int]:
    """Put the person's message into a staff chat under its header; the ids of the messages
    the staff now see."""
    if message.text is not None:
        if telegram_length(message.text) <= TEXT_LIMIT - visible_length(header) - 1:
            sent = await bot.send_message(chat_id, f"{header}\n{quoted(message.text)}")
            return [sent.message_id]
    elif can_carry_caption(message):
        caption = header
        if message.caption:
            room = CAPTION_LIMIT - visible_length(header) - 1
            caption += "\n" + quoted(clip(message.caption, room))
        copy = await bot.copy_message(
            chat_id, message.chat.id, message.message_id, caption=caption
        )
        return [copy.message_id]
    # A long text, a sticker, a location, a contact…: the copy answers its own header.
    head = await bot.send_message(chat_id, header)
    copy = await bot.copy_message(
        chat_id,
        message.chat.id,
        message.message_id,
        reply_parameters=ReplyParameters(
            message_id=head.message_id, allow_sending_without_reply=True
        ),
    )
    return [head.message_id, copy.message_id]


async def on_question(message: Message, bot: Bot, services: Services) -> None:
    assert message.from_user is not None
    settings = services.settings
    with services.i18n.use_locale(settings.default_locale):
        header = question_header(person_link(message.from_user))
    delivered = False
    # The staff chat of a centre of the person's region, else the network's.
    for chat_id in await question_chats(services.db, settings, message.from_user.id):
        try:
            message_ids = await put_question(bot, chat_id, message, header)
        except TelegramAPIError as error:
            logger.warning("A question could not be copied to chat %d: %s", chat_id, error.message)
            continue
        await remember_relay(services.db, chat_id, message_ids, message.from_user.id)
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
    """A reply, in a staff chat, to a message the bot put there about a person: passes the
    person (`relay`), or why there is none when the consultant should be told."""

    async def __call__(
        self, message: Message, bot: Bot, services: Services
    ) -> bool | dict[str, Any]:
        reply = message.reply_to_message
        sender = message.from_user.id if message.from_user else None
        if reply is None or not await is_any_staff_chat(
            services.db, services.settings, message.chat.id, message.chat.type, sender
        ):
            return False
        target = await relay_target(services.db, message.chat.id, reply.message_id)
        if target.missing is NoTarget.unknown:
            # In the group, a reply to the bot's own message expects an answer; a reply to a
            # colleague is staff talk, and in an admin's own chat it is ordinary input.
            from_bot = reply.from_user is not None and reply.from_user.id == bot.id
            if message.chat.type == "private" or not from_bot:
                return False
        return {"relay": target}


async def on_consultant_reply(
    message: Message, bot: Bot, services: Services, relay: RelayTarget
) -> None:
    if relay.user_id is None:
        if relay.missing is NoTarget.forgotten:
            note = _(
                "Not delivered: this person has deleted their data from the bot (/forget), "
                "so the bot can no longer reach them."
            )
        else:
            note = _(
                "Not delivered: I can't tell whom this is for — reply to a question, an "
                "application or a note that I posted here."
            )
        await message.reply(note)
        return
    user_id = relay.user_id
    locale = await saved_locale(services.db, user_id) or services.settings.default_locale
    with services.i18n.use_locale(locale):
        header = _("💬 <b>Answer from a consultant:</b>")
    try:
        await bot.send_message(user_id, header)
        await bot.copy_message(user_id, message.chat.id, message.message_id)
    except TelegramForbiddenError:
        await mark_blocked(services.db, user_id)
        note = _("Not delivered: the person has blocked the bot.")
    except TelegramAPIError as error:
        note = _("Not delivered: {error}").format(error=html.escape(error.message))
    else:
        note = _("✅ Delivered.")
    await message.reply(note)


async def ignore_staff_chatter(message: Message) -> None:
    """Other messages in the consultant group (or a centre's staff group) are staff talking
    among themselves."""


async def _in_a_group(message: Message) -> bool:
    return message.chat.type != "private"


def create_relay_router(settings: Settings) -> Router:
    """Comes first: a reply from a consultant must not be taken for a person's input."""
    router = Router(name=f"{__name__}.relay")
    router.message.register(on_consultant_reply, ReplyToRelayed())
    # Only groups reach the handlers (the dispatcher's filter lets in the consultant chat and
    # the centres' staff chats): what no handler before took is staff talk, never a person's
    # input, and a person's own chat is never silenced.
    router.message.register(ignore_staff_chatter, _in_a_group)
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
