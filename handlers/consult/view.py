"""Texts and keyboards of the consultant feature, and how a person is named to the staff."""

from __future__ import annotations

import html
import re

from aiogram.types import InlineKeyboardMarkup, Message, User
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.consult.callbacks import ConsultAction, ConsultCb

# Telegram's limits, in UTF-16 code units of the text as shown (after HTML parsing).
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# Media that can carry a caption, so a copy of it can hold its own header.
_CAPTIONED = ("photo", "video", "document", "audio", "animation", "voice")
_TAG = re.compile(r"<[^>]+>")


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def visible_length(html_text: str) -> int:
    """The length Telegram counts for an HTML text: tags removed, entities decoded."""
    return telegram_length(html.unescape(_TAG.sub("", html_text)))


def clip(text: str, limit: int) -> str:
    """The text cut to `limit` (with an ellipsis) when longer."""
    if telegram_length(text) <= limit:
        return text
    cut = text
    while cut and telegram_length(cut) > max(limit - 1, 0):
        cut = cut[: max(len(cut) - max(telegram_length(cut) - limit + 1, 1), 0)]
    return cut.rstrip() + "…"


def quoted(text: str) -> str:
    """A person's words, visibly quoted and escaped: they cannot pose as the bot's header."""
    return f"<blockquote>{html.escape(text)}</blockquote>"


def can_carry_caption(message: Message) -> bool:
    return any(getattr(message, kind, None) for kind in _CAPTIONED)


def question_header(person: str) -> str:
    return _("❓ <b>Question</b> from {person}\nReply to this message to answer.").format(
        person=person
    )


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
