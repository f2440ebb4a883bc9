"""Replying to one update, the same way in every feature: `Talk`.

A tap is answered by editing its message in place (a new message when the old one can no
longer be edited); a typed message gets a new message. `TalkMiddleware` gives every message
and callback handler a `talk: Talk` with what answering needs: the bot, the chat, the
conversation state, the services, the person's row and language, and the tap if any.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
)

from bot.runtime.services import Services
from storage.users import UserRow

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


async def answer_in_place(
    query: CallbackQuery,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    notice: str | None = None,
    answered: bool = False,
) -> None:
    """Answer a button tap (once: Telegram refuses a second answer, so a `notice` for the
    person goes with it; `answered`: it was answered already) by editing its message in place,
    or with a new message when the old one can no longer be edited (too old, deleted, or not
    accessible)."""
    if not answered:
        await query.answer(notice)
    if isinstance(query.message, Message):
        try:
            await query.message.edit_text(text, reply_markup=markup)
        except TelegramBadRequest as error:
            if "not modified" in error.message:
                return
        else:
            return
    if query.bot is not None:
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


@dataclass(slots=True)
class Talk:
    bot: Bot
    chat_id: int
    state: FSMContext
    services: Services
    user_row: UserRow
    locale: str
    query: CallbackQuery | None = None  # the tap being answered, if any
    answered: bool = False  # the tap was answered ahead of a long task

    async def acknowledge(self, notice: str | None = None) -> None:
        """Answer the tap now, ahead of work that takes a while (Telegram gives a tap about
        15 seconds); `show` then only edits the message."""
        if self.query is not None and not self.answered:
            await self.query.answer(notice)
            self.answered = True

    async def show(
        self, text: str, markup: InlineKeyboardMarkup | None = None, *, notice: str | None = None
    ) -> None:
        """Edit the tapped message (answering the tap), or send a new message."""
        if self.query is not None:
            await answer_in_place(self.query, text, markup, notice=notice, answered=self.answered)
        else:
            await self.bot.send_message(self.chat_id, text, reply_markup=markup)

    async def send(
        self,
        text: str,
        markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None,
    ) -> Message:
        """A new message (reply keyboards can only come with one); a pending tap is answered
        first, without a notice."""
        if self.query is not None:
            if not self.answered:
                await self.query.answer()
            self.query = None
        return await self.bot.send_message(self.chat_id, text, reply_markup=markup)

    async def alert(self, text: str) -> None:
        if self.query is not None and not self.answered:
            await self.query.answer(text, show_alert=True)
        else:
            await self.bot.send_message(self.chat_id, text)

    def followed_up(self) -> Talk:
        """The same talk after the tap was answered: what follows is a new message."""
        return replace(self, query=None)


class TalkMiddleware(BaseMiddleware):
    """Builds the `talk` of a message or a tap from a person (not of a bot or a channel)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user_row: UserRow | None = data.get("user_row")
        if isinstance(event, CallbackQuery):
            chat_id, query = event.from_user.id, event
        elif isinstance(event, Message):
            chat_id, query = event.chat.id, None
        else:
            return await handler(event, data)
        if user_row is not None:
            data["talk"] = Talk(
                bot=data["bot"],
                chat_id=chat_id,
                state=data["state"],
                services=data["services"],
                user_row=user_row,
                locale=data["locale"],
                query=query,
            )
        return await handler(event, data)
