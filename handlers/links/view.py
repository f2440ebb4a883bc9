"""Texts and keyboards of /links, and the per-link block of /stats."""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.services import links
from handlers.links.callbacks import LinksAction, LinksCb
from storage.db import Database
from storage.links import LinkStats

SHOWN = 15
MESSAGE_LIMIT = 4096


async def stats_block(db: Database) -> str:
    """/stats: people, finished tests and applications per link; empty without links."""
    found = await links.stats(db, SHOWN)
    if not found:
        return ""
    title = _("<b>Links</b> (/links)")
    return "\n".join([title, *stats_lines(found)])


def stats_lines(found: list[LinkStats]) -> list[str]:
    """One line per link: people who came by it, finished a test, applied."""
    lines = []
    for number, link in enumerate(found[:SHOWN], start=1):
        lines.append(
            _(
                "{n}. {name} — people: {people}, finished a test: {finished}, "
                "applications: {applied}"
            ).format(
                n=number,
                name=html.escape(link.name),
                people=link.people,
                finished=link.finished,
                applied=link.applied,
            )
        )
    return lines


def links_text(found: list[LinkStats]) -> str:
    lines = [
        _(
            "🔗 <b>Links for schools and events</b>\nA link of its own for a school, a fair or "
            "a poster shows how many people came by it, finished a test and applied."
        )
    ]
    if found:
        lines += ["", *stats_lines(found)]
        if len(found) > SHOWN:
            lines.append(_("…and {count} more.").format(count=len(found) - SHOWN))
    else:
        lines += ["", _("No links yet.")]
    return "\n".join(lines)


def links_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("➕ New link"), callback_data=LinksCb(action=LinksAction.new))
    return kb.as_markup()


def ask_name() -> tuple[str, InlineKeyboardMarkup]:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Cancel"), callback_data=LinksCb(action=LinksAction.cancel))
    return (
        _(
            "What is the link for? Write a name people will not see, for example "
            "«Школа 42, 9 классы» or «Ярмарка профессий 12.12». Up to 60 characters."
        ),
        kb.as_markup(),
    )


def created(name: str, url: str) -> str:
    return _(
        "✅ Link «{name}»:\n{url}\n\nPut it on a poster or send it to a school chat; the QR "
        "code below leads to the same place. /links shows how many came by it."
    ).format(name=html.escape(name), url=url)


def qr_caption(name: str) -> str:
    return _("QR code: {name}").format(name=html.escape(name))[:1024]
