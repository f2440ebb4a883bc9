"""/leads: applications that have not reached the consultants yet, and why; a button sends
one again at once (the outbox keeps retrying by itself meanwhile)."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.phones import format_phone
from bot.runtime.reply import Talk
from bot.services import applications, centre_admins
from bot.services.centre_admins import Role
from bot.services.staff import staff_chats
from handlers.admin import admin_router
from handlers.admin.callbacks import LeadsAction, LeadsCb
from handlers.consult.lead_status import stage_name
from handlers.consult.view import clip
from handlers.places.view import short
from handlers.programs.notices import day
from storage.leads import LeadRow, UndeliveredLead

SHOWN = 10
NOTICE_LIMIT = 190  # Telegram shows up to 200 characters in a tap's notice


def where_text(chats: list[int], consultant_chat: int | None) -> str:
    if consultant_chat is not None:
        return _("They go to the consultants' chat {chat} (CONSULTANT_CHAT_ID).").format(
            chat=consultant_chat
        )
    if chats:
        return _("They go to the admins in private (CONSULTANT_CHAT_ID is not set).")
    return _("They have nowhere to go: CONSULTANT_CHAT_ID and ADMIN_IDS are empty.")


def leads_text(found: list[UndeliveredLead], total: int, where: str) -> str:
    if not total:
        return _("✅ Every application has reached the consultants.")
    lines = [_("<b>Applications not yet passed on: {total}</b>").format(total=total), where]
    for item in found:
        lead = item.lead
        lines.append(
            "\n"
            + _("#{id} · {date} · «{title}» · {name}, {phone}").format(
                id=lead.id,
                date=day(lead.applied_at),
                title=html.escape(short(lead.program_title, 60)),
                name=html.escape(lead.name or "—"),
                phone=format_phone(lead.phone),
            )
        )
        if item.attempts:
            lines.append(
                _("attempts: {count}, the last answer: {error}").format(
                    count=item.attempts, error=html.escape(short(item.last_error or "—", 120))
                )
            )
    if total > len(found):
        lines.append("\n" + _("…and {count} more.").format(count=total - len(found)))
    return "\n".join(lines)


def leads_keyboard(found: list[UndeliveredLead]) -> InlineKeyboardMarkup | None:
    if not found:
        return None
    kb = InlineKeyboardBuilder()
    for item in found:
        kb.button(
            text=_("🔁 Send again #{id}").format(id=item.lead.id),
            callback_data=LeadsCb(action=LeadsAction.retry, lead=item.lead.id),
        )
    kb.adjust(1)
    return kb.as_markup()


def recent_text(recent: list[LeadRow]) -> str:
    if not recent:
        return _("No applications to this centre yet.")
    lines = [_("<b>The latest applications to your centre</b>")]
    for lead in recent:
        lines.append(
            _("#{id} · {date} · «{title}» · {name}, {phone} — {status}").format(
                id=lead.id,
                date=day(lead.applied_at),
                title=html.escape(short(lead.program_title, 50)),
                name=html.escape(lead.name or "—"),
                phone=format_phone(lead.phone),
                status=stage_name(lead.stage),
            )
        )
    return "\n".join(lines)


async def _list(talk: Talk, role: Role) -> tuple[str, InlineKeyboardMarkup | None]:
    settings, db = talk.services.settings, talk.services.db
    if role.network:
        found, total = await applications.undelivered(db, SHOWN)
        where = where_text(staff_chats(settings), settings.consultant_chat_id)
        return leads_text(found, total, where), leads_keyboard(found)
    assert role.center_id is not None
    found, total = await applications.undelivered(db, SHOWN, role.center_id)
    chat = await centre_admins.chat_of(db, role.center_id)
    where = (
        _("They go to your centre's staff chat {chat}.").format(chat=chat)
        if chat is not None
        else _("Your centre has no staff chat yet, so they go to the network: /centres.")
    )
    recent = await applications.recent_of_center(db, role.center_id, SHOWN)
    text = leads_text(found, total, where) + "\n\n" + recent_text(recent)
    return text, leads_keyboard(found)


async def cmd_leads(_message: Message, talk: Talk, role: Role) -> None:
    await centre_admins.audit(talk.services.db, role.user_id, "leads", role.center_id or "network")
    await talk.show(*await _list(talk, role))


async def on_retry(_query: CallbackQuery, callback_data: LeadsCb, talk: Talk, role: Role) -> None:
    outbox = talk.services.lead_outbox
    if await centre_admins.lead_for(talk.services.db, role, callback_data.lead) is None:
        await talk.alert(_("This application is not yours to manage."))
        return
    job_id = await applications.job_to_retry(talk.services.db, callback_data.lead, outbox.claim())
    if job_id is None:
        notice = _("Nothing to send: it has arrived, was withdrawn, or is being sent right now.")
    else:
        delivery = await outbox.deliver(talk.bot, job_id, tell_person=True)
        if delivery.sent:
            notice = _("✅ Application #{id} has reached the consultants.").format(
                id=callback_data.lead
            )
        else:
            notice = clip(
                _("Not delivered again: {error}").format(error=delivery.error or "—"),
                NOTICE_LIMIT,
            )
    text, markup = await _list(talk, role)
    await talk.show(text, markup, notice=notice)


def create_router() -> Router:
    router = admin_router(__name__, centre_admins=True)
    router.message.register(cmd_leads, Command("leads"))
    router.callback_query.register(on_retry, LeadsCb.filter(F.action == LeadsAction.retry))
    return router
