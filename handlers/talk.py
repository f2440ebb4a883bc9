"""`Talk`: what a catalogue feature needs to answer one update, in one parameter.

Places, programmes, applications and the free-training check all reply the same way: edit
the tapped message in place, or send a new message when the person typed. They also share
the same services (database, place index) and the person's row and language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from aiogram import BaseMiddleware, Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
)

from bot.domain.geo import PlaceIndex
from bot.domain.offer_index import Recommender
from handlers.common import answer_callback_with
from storage.db import Database
from storage.users import UserRow

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


@dataclass(slots=True)
class Talk:
    bot: Bot
    chat_id: int
    state: FSMContext
    db: Database
    places: PlaceIndex
    user_row: UserRow
    locale: str
    recommender: Recommender
    query: CallbackQuery | None = None  # the tap being answered, if any

    async def show(
        self, text: str, markup: InlineKeyboardMarkup | None = None, *, notice: str | None = None
    ) -> None:
        """Edit the tapped message (answering the tap), or send a new message."""
        if self.query is not None:
            await answer_callback_with(self.query, text, markup, notice=notice)
        else:
            await self.bot.send_message(self.chat_id, text, reply_markup=markup)

    async def send(
        self, text: str, markup: ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None
    ) -> None:
        """A new message: reply keyboards can only come with one."""
        if self.query is not None:
            await self.query.answer()
            self.query = None
        await self.bot.send_message(self.chat_id, text, reply_markup=markup)

    async def alert(self, text: str) -> None:
        if self.query is not None:
            await self.query.answer(text, show_alert=True)
        else:
            await self.bot.send_message(self.chat_id, text)

    def followed_up(self) -> Talk:
        """The same talk after the tap was answered: what follows is a new message."""
        return replace(self, query=None)


class TalkMiddleware(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, CallbackQuery):
            chat_id, query = event.from_user.id, event
        elif isinstance(event, Message):
            chat_id, query = event.chat.id, None
        else:
            return await handler(event, data)
        data["talk"] = Talk(
            bot=data["bot"],
            chat_id=chat_id,
            state=data["state"],
            db=data["db"],
            places=data["places"],
            user_row=data["user_row"],
            locale=data["locale"],
            recommender=data["recommender"],
            query=query,
        )
        return await handler(event, data)


def talking_router(name: str) -> Router:
    """A router whose handlers receive `talk: Talk`."""
    router = Router(name=name)
    router.message.middleware(TalkMiddleware())
    router.callback_query.middleware(TalkMiddleware())
    return router
