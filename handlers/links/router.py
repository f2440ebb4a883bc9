"""/links for admins: a named deep link (a school, a fair, a poster) as text and as a QR
code, and how many people came by each link."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.domain.qr import qr_png
from bot.runtime.reply import Talk
from bot.services import links
from handlers.admin import admin_router
from handlers.links import view
from handlers.links.callbacks import LinksAction, LinksCb
from handlers.links.states import LinkDraft


async def send_link(talk: Talk, name: str, code: str) -> None:
    """The link as text, then as a QR code."""
    me = await talk.bot.me()
    url = links.deep_link(me.username or "", code)
    await talk.bot.send_message(talk.chat_id, view.created(name, url))
    await talk.bot.send_photo(
        talk.chat_id,
        BufferedInputFile(qr_png(url), filename="qr.png"),
        caption=view.qr_caption(name),
    )


async def cmd_links(_message: Message, talk: Talk) -> None:
    await talk.state.set_state(None)
    found = await links.stats(talk.services.db, view.SHOWN + 50)
    await talk.show(view.links_text(found), view.links_keyboard())


async def on_links(_query: CallbackQuery, callback_data: LinksCb, talk: Talk) -> None:
    if callback_data.action is LinksAction.new:
        await talk.state.set_state(LinkDraft.name)
        await talk.show(*view.ask_name())
        return
    if callback_data.action is LinksAction.cancel:
        await talk.state.set_state(None)
    found = await links.stats(talk.services.db, view.SHOWN + 50)
    await talk.show(view.links_text(found), view.links_keyboard())


async def on_name(message: Message, talk: Talk) -> None:
    name = links.clean_name(message.text or "")
    if name is None:
        await message.answer(_("The name must be 1 to 60 characters. Try again, or /menu."))
        return
    row = await links.create(talk.services.db, talk.user_row.id, name)
    await talk.state.set_state(None)
    await send_link(talk, row.name, row.code)


async def not_a_name(message: Message) -> None:
    await message.answer(_("Please write the link's name as text, or /menu to cancel."))


def create_router() -> Router:
    router = admin_router(__name__)
    router.message.register(cmd_links, Command("links"))
    router.callback_query.register(on_links, LinksCb.filter())
    router.message.register(on_name, LinkDraft.name, F.text, ~F.text.startswith("/"))
    router.message.register(not_a_name, LinkDraft.name, ~F.text)
    return router
