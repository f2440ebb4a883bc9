"""Status buttons under an application in a staff chat: новая → связались → записан / отказ
(with a reason). Only that centre's staff (its staff chat, its admins) or network admins may
press them, checked again on every tap; the person gets a short service message on every
change and sees the status in /my."""

from __future__ import annotations

import html
import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.runtime.services import Services
from bot.services import centre_admins
from bot.services.centre_admins import NEXT, Reason, Stage
from bot.services.profile import mark_blocked, saved_locale
from handlers.admin.callbacks import StageAction, StageCb
from handlers.places.view import short
from storage.leads import LeadRow

logger = logging.getLogger(__name__)


def stage_name(stage: str) -> str:
    names = {
        Stage.new: _("new"),
        Stage.contacted: _("contacted"),
        Stage.enrolled: _("enrolled"),
        Stage.declined: _("declined"),
    }
    try:
        return names[Stage(stage)]
    except ValueError:
        return stage


def reason_name(reason: str | None) -> str:
    names = {
        Reason.unreachable: _("could not reach"),
        Reason.changed_mind: _("changed their mind"),
        Reason.not_eligible: _("does not meet the terms"),
        Reason.no_places: _("no places"),
        Reason.other: _("other"),
    }
    try:
        return names[Reason(reason or "other")]
    except ValueError:
        return names[Reason.other]


def _button_label(stage: Stage, current: Stage) -> str:
    if stage is Stage.contacted and current in (Stage.enrolled, Stage.declined):
        return _("↩️ Back to «contacted»")
    labels = {
        Stage.contacted: _("📞 Contacted"),
        Stage.enrolled: _("✅ Enrolled"),
        Stage.declined: _("✖️ Declined"),
    }
    return labels[stage]


def stage_keyboard(lead: LeadRow) -> InlineKeyboardMarkup | None:
    """The buttons for the next stages of the application (none once withdrawn)."""
    if lead.withdrawn:
        return None
    current = Stage(lead.stage)
    kb = InlineKeyboardBuilder()
    for stage in (Stage.contacted, Stage.enrolled, Stage.declined):
        if stage not in NEXT[current]:
            continue
        action = StageAction.reasons if stage is Stage.declined else StageAction.set
        kb.button(
            text=_button_label(stage, current),
            callback_data=StageCb(action=action, lead=lead.id, stage=stage),
        )
    kb.adjust(2)
    return kb.as_markup()


def reasons_keyboard(lead: LeadRow) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for reason in Reason:
        kb.button(
            text=reason_name(reason).capitalize(),
            callback_data=StageCb(
                action=StageAction.set, lead=lead.id, stage=Stage.declined, reason=reason
            ),
        )
    kb.button(text=_("← Back"), callback_data=StageCb(action=StageAction.back, lead=lead.id))
    kb.adjust(2)
    return kb.as_markup()


def status_line(lead: LeadRow) -> str:
    """For the staff: the stage now."""
    text = _("Status: {stage}").format(stage=stage_name(lead.stage))
    if lead.stage == Stage.declined:
        text += f" ({reason_name(lead.stage_reason)})"
    return text


def person_message(lead: LeadRow) -> str:
    title = html.escape(short(lead.program_title, 120))
    if lead.stage == Stage.contacted:
        return _("📞 The centre has marked your application for «{title}» as contacted.").format(
            title=title
        )
    if lead.stage == Stage.enrolled:
        return _(
            "🎉 You are enrolled in «{title}»! The centre will tell you what comes next."
        ).format(title=title)
    return _(
        "Your application for «{title}» is closed ({reason}). You can choose another "
        "programme: /programs, or ask a consultant: /consult"
    ).format(title=title, reason=reason_name(lead.stage_reason))


def untouched_text(lead: LeadRow, days: int) -> str:
    """For the centre's admins: an application nobody has touched."""
    return _(
        "⏰ Application #{id} («{title}», {name}) has waited {days} working days and is still "
        "«new». Please call the person and press «Contacted» under the application. /leads"
    ).format(
        id=lead.id,
        title=html.escape(short(lead.program_title, 80)),
        name=html.escape(lead.name or "—"),
        days=days,
    )


async def tell_person(bot: Bot, services: Services, lead: LeadRow) -> None:
    """A service message about the person's own application: always allowed."""
    i18n: I18n = services.i18n
    locale = await saved_locale(services.db, lead.user_id) or services.settings.default_locale
    with i18n.use_locale(locale):
        text = person_message(lead)
    try:
        await bot.send_message(lead.user_id, text)
    except TelegramForbiddenError:
        await mark_blocked(services.db, lead.user_id)
    except TelegramAPIError as error:
        logger.warning("Person of application %d not told its status: %s", lead.id, error.message)


async def on_stage(
    query: CallbackQuery, callback_data: StageCb, bot: Bot, services: Services
) -> None:
    chat_id = query.message.chat.id if query.message is not None else None
    db, settings = services.db, services.settings
    lead = await centre_admins.lead_row(db, callback_data.lead)
    if lead is None:
        await query.answer(
            _("This application is gone: the person has deleted their data."), show_alert=True
        )
        await _set_markup(query, None)
        return
    if callback_data.action is not StageAction.set:
        if not await centre_admins.may_handle_lead(
            db, settings, lead, query.from_user.id, chat_id
        ):
            await query.answer(_("Only this centre's staff can change it."), show_alert=True)
            return
        markup = (
            reasons_keyboard(lead)
            if callback_data.action is StageAction.reasons
            else stage_keyboard(lead)
        )
        await query.answer()
        await _set_markup(query, markup)
        return
    change = await centre_admins.set_stage(
        db,
        settings,
        lead_id=callback_data.lead,
        stage=callback_data.stage,
        reason=callback_data.reason,
        actor=query.from_user.id,
        chat_id=chat_id,
    )
    if change is None:
        await query.answer(_("Only this centre's staff can change it."), show_alert=True)
        return
    if change.lead.withdrawn:
        await query.answer(_("The person has withdrawn this application."), show_alert=True)
        await _set_markup(query, None)
        return
    if not change.changed:
        await query.answer(
            _("Already changed — {status}.").format(status=status_line(change.lead))
        )
        await _set_markup(query, stage_keyboard(change.lead))
        return
    await query.answer(status_line(change.lead))
    await _set_markup(query, stage_keyboard(change.lead))
    if isinstance(query.message, Message):
        who = html.escape(query.from_user.full_name)
        await query.message.reply(
            _("#{id}: {status} — {who}").format(
                id=change.lead.id, status=status_line(change.lead), who=who
            )
        )
    await tell_person(bot, services, change.lead)


async def _set_markup(query: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    if isinstance(query.message, Message):
        try:
            await query.message.edit_reply_markup(reply_markup=markup)
        except TelegramAPIError as error:  # too old, or not modified
            logger.debug("Status buttons not updated: %s", error.message)


def create_router() -> Router:
    """Open to any chat: who may press is checked against the application on every tap."""
    router = Router(name=__name__)
    router.callback_query.register(on_stage, StageCb.filter())
    return router
