"""Texts and keyboards of the consultant feature, and how a person is named to the staff."""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardMarkup, User
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.consult.callbacks import ConsultAction, ConsultCb


def person_link(user: User) -> str:
    """The person as the staff see them in a question or an application."""
    name = html.escape(" ".join(x for x in (user.first_name, user.last_name) if x))
    link = f'<a href="tg://user?id={user.id}">{name}</a>'
    if user.username:
        link += f" @{html.escape(user.username)}"
    return f"{link} (id {user.id})"


def end_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("✅ End the conversation"), callback_data=ConsultCb(action=ConsultAction.end))
    return kb.as_markup()


def not_connected_text() -> str:
    return _(
        "A human consultant is not connected to this bot yet. You can ask the ЦОПП of your "
        "region or the employment centre of your town directly: /centers."
    )
