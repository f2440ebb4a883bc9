"""Helpers shared by handlers: replying to taps, the person's role."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from storage.users import ROLES, Role, UserRow

# Without consent the role waits in the conversation data instead of the profile.
ROLE = "role"


async def answer_callback_with(
    query: CallbackQuery,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    notice: str | None = None,
) -> None:
    """Answer a button tap (once: Telegram refuses a second answer, so a `notice` for the
    person goes with it) by editing its message in place, or with a new message when the old
    one can no longer be edited (too old, deleted, or not accessible)."""
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


async def current_role(user_row: UserRow | None, state: FSMContext) -> Role | None:
    """The role is a profile field with consent, and conversation data without it."""
    if user_row is not None and user_row.role is not None:
        return user_row.role
    role = (await state.get_data()).get(ROLE)
    return role if role in ROLES else None
