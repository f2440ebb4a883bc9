"""What the staff, the admins and the person read about an application on its way: the views
of the outbox (`bot.workers.outbox`), passed to it by the app."""

from __future__ import annotations

import html

from aiogram.utils.i18n import gettext as _

from bot.domain.phones import format_phone
from bot.services.centers import center as center_by_id
from bot.services.recommendations import program_and_center
from bot.workers.outbox import LeadViews
from handlers.consult.lead_status import stage_keyboard
from handlers.consult.view import person_label
from handlers.places.view import short
from storage.db import Database
from storage.leads import LeadRow


def day(iso: str | None) -> str:
    """`2025-11-30T…` as 30.11.2025."""
    if not iso or len(iso) < 10:
        return "—"
    return f"{iso[8:10]}.{iso[5:7]}.{iso[0:4]}"


def _person(lead: LeadRow) -> str:
    return person_label(lead.user_id, lead.name, lead.username)


async def lead_notice(db: Database, lead: LeadRow) -> str:
    """The application as the consultants get it."""
    program, center = await program_and_center(db, lead.program_id)
    if center is None and lead.center_id:
        center = await center_by_id(db, lead.center_id)
    if lead.times > 1:
        title = _("📝 <b>Application again</b> #{id} (first on {date})").format(
            id=lead.id, date=day(lead.created_at)
        )
    else:
        title = _("📝 <b>New application</b> #{id}").format(id=lead.id)
    lines = [
        title,
        _("Programme: {title}").format(title=html.escape(lead.program_title)),
        _("Centre: {center}").format(
            center=html.escape(center.name) if center is not None else _("online")
        ),
        _("Person: {person}").format(person=_person(lead)),
        _("Phone: {phone}").format(phone=format_phone(lead.phone)),
        _("Test result: {code}").format(code=html.escape(lead.quiz_code or "—")),
    ]
    if program is not None and program.is_sample:
        lines.append(_("This is a sample programme: tell the person what the centre offers."))
    lines.append(
        _("Reply to this message to write to the person in the bot; the buttons set its status.")
    )
    return "\n".join(lines)


def withdrawal_notice(lead: LeadRow) -> str:
    return _(
        "↩️ <b>Application #{id} withdrawn</b>: {person} no longer needs a call about «{title}»."
    ).format(id=lead.id, person=_person(lead), title=html.escape(short(lead.program_title, 120)))


def admin_alert(lead: LeadRow, reason: str) -> str:
    return _(
        "⚠️ Application #{id} («{title}») has not reached the consultants: <code>{reason}</code>\n"
        "It is saved, and I keep trying. If the bot is not in the consultants' group "
        "(CONSULTANT_CHAT_ID), add it there. Undelivered applications: /leads"
    ).format(
        id=lead.id, title=html.escape(short(lead.program_title, 80)), reason=html.escape(reason)
    )


def passed_on(lead: LeadRow) -> str:
    return _(
        "✅ Your application for «{title}» has reached the consultants. They will call or "
        "message you at {phone}.\nYour applications: /my"
    ).format(title=html.escape(short(lead.program_title, 120)), phone=format_phone(lead.phone))


def lead_views() -> LeadViews:
    return LeadViews(
        notice=lead_notice,
        withdrawal=withdrawal_notice,
        admin_alert=admin_alert,
        passed_on=passed_on,
        buttons=stage_keyboard,
    )
