"""Small reply helpers shared by handlers."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message


async def answer_callback_with(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Answer a button tap by editing its message in place, or with a new message when the
    old one can no longer be edited (too old, deleted, or not accessible)."""
    await query.answer()
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
