"""A centre admin's `/broadcast`: one audience only — the people of the centre's region and
those who applied to the centre (who agreed to data storage, as every audience). It goes
before the network admins' broadcast router and takes only centre admins; the sending, the
progress message and its buttons are the network broadcasts' own, and a centre admin may
press those buttons only on their own broadcasts."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.runtime.reply import Talk
from bot.services import broadcasts, centre_admins
from bot.services.centre_admins import Role
from handlers.admin import IsCentreAdmin
from handlers.admin import broadcast as network_broadcast
from handlers.admin.callbacks import (
    BroadcastCb,
    CentreBroadcastAction,
    CentreBroadcastCb,
)
from handlers.admin.states import CentreBroadcast, CentreBroadcastData
from storage.broadcasts import Segment


def _keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(
        text=_("🚀 Send now"),
        callback_data=CentreBroadcastCb(action=CentreBroadcastAction.send),
    )
    kb.button(
        text=_("✖️ Cancel"),
        callback_data=CentreBroadcastCb(action=CentreBroadcastAction.cancel),
    )
    kb.adjust(1)
    return kb.as_markup()


async def _audience(talk: Talk, role: Role) -> tuple[Segment, str]:
    assert role.center_id is not None
    segment = Segment("centre", role.center_id)
    count = await broadcasts.audience_size(talk.services.db, segment)
    centre = await centre_admins.centre(talk.services.db, role.center_id)
    name = centre.name if centre is not None else role.center_id
    text = _(
        "To: people of your centre's region and those who applied to «{name}» — {count}. "
        "Only people who agreed to get messages from the bot are counted."
    ).format(name=html.escape(name), count=count)
    return segment, text


async def cmd_broadcast(_message: Message, talk: Talk) -> None:
    await talk.state.set_state(CentreBroadcast.content)
    await talk.show(
        _(
            "📣 <b>New broadcast</b> to your centre's people\nSend the message: text, a photo "
            "with a caption, a document, a video — it is copied as is.\n/menu — cancel."
        )
    )


async def on_content(message: Message, talk: Talk, role: Role) -> None:
    await talk.state.update_data(
        {CentreBroadcastData.source: [message.chat.id, message.message_id]}
    )
    await talk.state.set_state(CentreBroadcast.confirm)
    await message.answer(_("Preview — this is what people will get:"))
    await talk.bot.copy_message(message.chat.id, message.chat.id, message.message_id)
    _segment, text = await _audience(talk, role)
    await message.answer(text, reply_markup=_keyboard())


async def on_draft(
    query: CallbackQuery, callback_data: CentreBroadcastCb, talk: Talk, role: Role
) -> None:
    data = await talk.state.get_data()
    source = data.get(CentreBroadcastData.source)
    await talk.state.set_state(None)
    await talk.state.update_data({CentreBroadcastData.source: None})
    if callback_data.action is CentreBroadcastAction.cancel:
        await talk.show(_("Broadcast cancelled; nothing was sent."))
        return
    if not source:
        await talk.show(_("This draft is gone. Start again: /broadcast"))
        return
    segment, _text = await _audience(talk, role)  # the role read now, not when drafted
    chat_id, message_id = source
    row = await broadcasts.create(
        talk.services.db,
        admin_id=query.from_user.id,
        source_chat_id=chat_id,
        source_message_id=message_id,
        segment=segment,
        scheduled_at=None,
    )
    await talk.show(_("Starting…"))
    progress = await talk.bot.send_message(
        query.from_user.id,
        _("📣 Broadcast #{id}: {total} recipients.").format(id=row.id, total=row.total),
        reply_markup=network_broadcast.controls(row.id, "running"),
    )
    await broadcasts.attach_progress_message(
        talk.services.db, row.id, query.from_user.id, progress.message_id
    )
    talk.services.broadcaster.start(talk.bot, row.id)


async def on_control(
    query: CallbackQuery, callback_data: BroadcastCb, talk: Talk, role: Role
) -> None:
    """Pause, continue, cancel: only the centre admin's own broadcasts."""
    author = await centre_admins.broadcast_author(talk.services.db, callback_data.id)
    if author != role.user_id:
        await query.answer(_("This broadcast is not yours."), show_alert=True)
        return
    await network_broadcast.on_control(query, callback_data, talk)


async def cmd_other(message: Message) -> None:
    await message.answer(_("/broadcasts lists the network's broadcasts: network admins only."))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(IsCentreAdmin())
    router.callback_query.filter(IsCentreAdmin())
    router.message.register(cmd_broadcast, Command("broadcast"))
    router.message.register(cmd_other, Command("broadcasts"))
    router.message.register(on_content, CentreBroadcast.content, ~F.text.startswith("/"))
    router.callback_query.register(on_draft, CentreBroadcastCb.filter())
    router.callback_query.register(on_control, BroadcastCb.filter())
    return router
