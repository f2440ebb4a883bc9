"""Applying for a programme: consent to pass contacts on, the phone number, the lead stored
and delivered to the consultants, and `/my` with the person's applications."""

from __future__ import annotations

import html
import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import (
    CallbackQuery,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    User,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.phones import format_phone, normalize_phone
from bot.runtime.reply import Talk
from bot.services import applications
from bot.services.recommendations import program_and_center
from bot.services.reminders import plan_programme_reminder
from bot.services.results import ResultKey
from bot.services.staff import staff_chats
from handlers.consult.view import person_link
from handlers.onboarding.callbacks import MenuAction, MenuCb, MoreAction, MoreCb
from handlers.places.view import short
from handlers.programs.callbacks import ApplyAction, ApplyCb, ProgramAction, ProgramCb
from handlers.programs.states import Apply, ProgramsData
from storage.leads import LeadRow

logger = logging.getLogger(__name__)


def share_phone_label() -> str:
    return _("📱 Share my phone number")


def cancel_label() -> str:
    return _("Cancel")


def phone_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=share_phone_label(), request_contact=True)],
            [KeyboardButton(text=cancel_label())],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder="+7 912 345-67-89",
    )


def already_applied_text(lead: LeadRow) -> str:
    return _(
        "You have already applied for «{title}» ({date}). The centre has your number "
        "{phone} — there is no need to apply again. Your applications: /my"
    ).format(
        title=html.escape(short(lead.program_title, 120)),
        date=lead.created_at[:10],
        phone=format_phone(lead.phone),
    )


async def on_apply(_query: CallbackQuery, callback_data: ProgramCb, talk: Talk) -> None:
    program, lead = await applications.earlier_application(
        talk.services.db, talk.user_row.id, callback_data.program
    )
    if program is None:
        await talk.alert(_("This programme is no longer in the catalogue."))
        return
    if lead is not None:
        await talk.show(already_applied_text(lead))
        return
    kb = InlineKeyboardBuilder()
    kb.button(
        text=_("✅ Yes, pass them on"),
        callback_data=ApplyCb(action=ApplyAction.agree, program=program.id),
    )
    kb.button(
        text=_("Cancel"), callback_data=ApplyCb(action=ApplyAction.cancel, program=program.id)
    )
    kb.adjust(1)
    text = _(
        "<b>Apply for «{title}»</b>\n\n"
        "I will pass to the centre's consultants your name in Telegram, your phone number, "
        "this programme and your test result. They will contact you about dates, documents "
        "and whether you can study for free. Nothing else is shared.\n\n"
        "Do you agree?"
    ).format(title=html.escape(short(program.title, 120)))
    if program.is_sample:
        text += "\n\n" + _(
            "This is a sample programme: the consultants will tell you what the centre "
            "really offers in this field."
        )
    await talk.show(text, kb.as_markup())


async def on_apply_agree(_query: CallbackQuery, callback_data: ApplyCb, talk: Talk) -> None:
    program, _center = await program_and_center(talk.services.db, callback_data.program)
    if program is None:
        await talk.alert(_("This programme is no longer in the catalogue."))
        return
    await talk.state.set_state(Apply.phone)
    await talk.state.update_data({ProgramsData.pending_program: program.id})
    await talk.show(_("Thank you!"))
    await talk.followed_up().send(
        _(
            "Now your phone number: tap the button below, or type it — for example, "
            "+7 912 345-67-89."
        ),
        phone_keyboard(),
    )


async def on_apply_cancel(_query: CallbackQuery, callback_data: ApplyCb, talk: Talk) -> None:
    program, _center = await program_and_center(talk.services.db, callback_data.program)
    kb = InlineKeyboardBuilder()
    if program is not None:  # a forged id never goes back into a button
        kb.button(
            text=_("◀️ Back to the programme"),
            callback_data=ProgramCb(action=ProgramAction.card, program=program.id),
        )
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    await talk.show(_("OK, I haven't passed anything on."), kb.as_markup())


def _phone_problem(message: Message) -> str | None:
    """Why the message carries no usable phone number, or None when it does."""
    assert message.from_user is not None
    if message.contact is not None:
        if message.contact.user_id not in (None, message.from_user.id):
            return _("Please share your own number with the button below, or type it.")
        if normalize_phone(message.contact.phone_number) is None:
            return _(
                "I can pass on only a Russian number. Please type one, "
                "for example +7 912 345-67-89."
            )
        return None
    if message.text is None:
        return _("I'm waiting for your phone number: tap the button below or type it.")
    if normalize_phone(message.text) is None:
        return _(
            "This doesn't look like a phone number. Example: +7 912 345-67-89 or "
            "8 912 345 67 89. Or tap «Cancel»."
        )
    return None


async def on_phone(message: Message, talk: Talk) -> None:
    """Anything sent while the bot waits for the phone number (commands pass by)."""
    if message.text is not None and message.text.strip() == cancel_label():
        await talk.state.set_state(None)
        await talk.state.update_data({ProgramsData.pending_program: None})
        await talk.send(
            _("OK, I haven't passed anything on. /menu — the main menu."), ReplyKeyboardRemove()
        )
        return
    problem = _phone_problem(message)
    if problem is not None:
        await talk.send(problem, phone_keyboard())
        return
    typed = message.contact.phone_number if message.contact else message.text
    phone = normalize_phone(typed or "")
    assert phone is not None and message.from_user is not None
    await _finish(talk, message.from_user, phone)


async def _finish(talk: Talk, user: User, phone: str) -> None:
    services = talk.services
    data = await talk.state.get_data()
    program_id = data.get(ProgramsData.pending_program)
    program, center = (
        await program_and_center(services.db, str(program_id)) if program_id else (None, None)
    )
    await talk.state.set_state(None)
    await talk.state.update_data({ProgramsData.pending_program: None})
    if program is None:
        await talk.send(
            _("This programme is no longer in the catalogue. /programs — other programmes."),
            ReplyKeyboardRemove(),
        )
        return
    lead, is_new = await applications.submit(
        services.db,
        user_id=user.id,
        name=" ".join(x for x in (user.first_name, user.last_name) if x),
        program=program,
        center=center,
        phone=phone,
        quiz_code=await applications.quiz_code_for(
            services.db,
            talk.user_row,
            data.get(ProgramsData.basis),
            data.get(ResultKey.unsaved),
        ),
    )
    if not is_new:  # applied before: say so, send nothing twice
        await talk.send(already_applied_text(lead), ReplyKeyboardRemove())
        return
    region = services.places.by_slug(talk.user_row.region_slug or "")
    await plan_programme_reminder(
        services.db, user.id, program, region.timezone if region else None
    )
    with services.i18n.use_locale(services.settings.default_locale):
        text = lead_text(lead, user, center.name if center else None, program.is_sample)
    if await _deliver(talk.bot, staff_chats(services.settings), text):
        await applications.mark_delivered(services.db, lead.id)
    else:
        logger.warning("Lead %d is stored but no staff chat received it", lead.id)
    await talk.send(
        _(
            "✅ Your application for «{title}» is sent.\n\n"
            "What happens next: a consultant will call or message you at {phone} to talk "
            "about dates and documents. Keep your passport and SNILS at hand.\n"
            "Your applications: /my"
        ).format(title=html.escape(short(program.title, 120)), phone=format_phone(phone)),
        ReplyKeyboardRemove(),
    )


async def _deliver(bot: Bot, chats: list[int], text: str) -> bool:
    """True when at least one staff chat received the text."""
    delivered = False
    for chat_id in chats:
        try:
            await bot.send_message(chat_id, text)
        except TelegramAPIError:
            logger.warning("A lead could not be delivered to chat %d", chat_id)
        else:
            delivered = True
    return delivered


def lead_text(lead: LeadRow, user: User, center_name: str | None, is_sample: bool) -> str:
    lines = [
        _("📝 <b>New application</b> #{id}").format(id=lead.id),
        _("Programme: {title}").format(title=html.escape(lead.program_title)),
        _("Centre: {center}").format(
            center=html.escape(center_name) if center_name else _("online")
        ),
        _("Person: {person}").format(person=person_link(user)),
        _("Phone: {phone}").format(phone=format_phone(lead.phone)),
        _("Test result: {code}").format(code=html.escape(lead.quiz_code or "—")),
    ]
    if is_sample:
        lines.append(_("This is a sample programme: tell the person what the centre offers."))
    return "\n".join(lines)


async def on_my(_event: Message | CallbackQuery, talk: Talk) -> None:
    leads = await applications.applications_of(talk.services.db, talk.user_row.id)
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🎓 Programmes for me"), callback_data=MoreCb(action=MoreAction.programs))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    if not leads:
        await talk.send(_("You have no applications yet."), kb.as_markup())
        return
    lines = [_("<b>Your applications</b>")]
    for lead in leads[:20]:
        lines.append(f"• {html.escape(short(lead.program_title, 100))} — {lead.created_at[:10]}")
    await talk.send("\n".join(lines), kb.as_markup())


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_my, Command("my"))
    router.message.register(on_phone, Apply.phone, ~F.text.startswith("/"))
    router.callback_query.register(on_apply, ProgramCb.filter(F.action == ProgramAction.apply))
    router.callback_query.register(on_apply_agree, ApplyCb.filter(F.action == ApplyAction.agree))
    router.callback_query.register(on_apply_cancel, ApplyCb.filter(F.action == ApplyAction.cancel))
    router.callback_query.register(on_my, MoreCb.filter(F.action == MoreAction.applications))
    return router
