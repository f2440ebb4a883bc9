"""Texts and keyboards of the consultant feature, and how a person is named to the staff."""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardMarkup, User
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.consult.callbacks import ConsultAction, ConsultCb


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def clip(text: str, limit: int) -> str:
    """The text cut to `limit` (with an ellipsis) when longer."""
    if telegram_length(text) <= limit:
        return text
    cut = text
    while cut and telegram_length(cut) > max(limit - 1, 0):
        cut = cut[: max(len(cut) - max(telegram_length(cut) - limit + 1, 1), 0)]
    return cut.rstrip() + "…"


def person_link(user: User) -> str:
    """The person as the staff see them in a question or an application."""
    name = " ".join(x for x in (user.first_name, user.last_name) if x)
    return person_label(user.id, name, user.username)


def person_label(user_id: int, name: str | None, username: str | None) -> str:
    """A link to the person with their name, @username and id (for the staff)."""
    link = f'<a href="tg://user?id={user_id}">{html.escape(name or str(user_id))}</a>'
    if username:
        link += f" @{html.escape(username)}"
    return f"{link} (id {user_id})"


def end_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("✅ End the conversation"), callback_data=ConsultCb(action=ConsultAction.end))
    return kb.as_markup()


def not_connected_text() -> str:
    return _(
        "A human consultant is not connected to this bot yet. You can ask the ЦОПП of your "
        "region or the employment centre of your town directly: /centers."
    )
