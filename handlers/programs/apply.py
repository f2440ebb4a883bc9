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
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import Settings
from bot.domain.phones import format_phone, normalize_phone
from handlers.common import answer_callback_with, staff_chats
from handlers.onboarding.callbacks import MenuAction, MenuCb, MoreAction, MoreCb
from handlers.places.view import short
from handlers.programs.callbacks import ApplyAction, ApplyCb, ProgramAction, ProgramCb
from handlers.programs.router import BASIS
from handlers.programs.states import Apply
from handlers.reminders.router import plan_programme_reminder
from handlers.talk import Talk, talking_router
from storage.db import Database
from storage.leads import LeadRow
from storage.users import UserRow

logger = logging.getLogger(__name__)
PENDING_PROGRAM = "apply_program"


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
    async with talk.db.autocommit() as repos:
        program = await repos.catalogue.program(callback_data.program)
        lead = await repos.leads.find(talk.user_row.id, callback_data.program)
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
    async with talk.db.autocommit() as repos:
        program = await repos.catalogue.program(callback_data.program)
    if program is None:
        await talk.alert(_("This programme is no longer in the catalogue."))
        return
    await talk.state.set_state(Apply.phone)
    await talk.state.update_data({PENDING_PROGRAM: program.id})
    await talk.show(_("Thank you!"))
    await talk.followed_up().send(
        _(
            "Now your phone number: tap the button below, or type it — for example, "
            "+7 912 345-67-89."
        ),
        phone_keyboard(),
    )


async def on_apply_cancel(query: CallbackQuery, callback_data: ApplyCb, db: Database) -> None:
    async with db.autocommit() as repos:
        program = await repos.catalogue.program(callback_data.program)
    kb = InlineKeyboardBuilder()
    if program is not None:  # a forged id never goes back into a button
        kb.button(
            text=_("◀️ Back to the programme"),
            callback_data=ProgramCb(action=ProgramAction.card, program=program.id),
        )
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    await answer_callback_with(query, _("OK, I haven't passed anything on."), kb.as_markup())


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


async def on_phone(message: Message, talk: Talk, settings: Settings, i18n: I18n) -> None:
    """Anything sent while the bot waits for the phone number (commands pass by)."""
    if message.text is not None and message.text.strip() == cancel_label():
        await talk.state.set_state(None)
        await talk.state.update_data({PENDING_PROGRAM: None})
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
    await _finish(talk, message.from_user, settings, i18n, phone)


async def _quiz_code(talk: Talk) -> str | None:
    if talk.user_row.has_consent:
        async with talk.db.autocommit() as repos:
            row = await repos.results.latest(talk.user_row.id)
        if row is not None and row.code:
            return row.code
    basis = (await talk.state.get_data()).get(BASIS)
    return basis if isinstance(basis, str) and len(basis) <= 8 else None


async def _finish(talk: Talk, user: User, settings: Settings, i18n: I18n, phone: str) -> None:
    program_id = (await talk.state.get_data()).get(PENDING_PROGRAM)
    async with talk.db.autocommit() as repos:
        program = await repos.catalogue.program(str(program_id)) if program_id else None
        center = (
            await repos.catalogue.center(program.center_id)
            if program is not None and program.center_id
            else None
        )
    await talk.state.set_state(None)
    await talk.state.update_data({PENDING_PROGRAM: None})
    if program is None:
        await talk.send(
            _("This programme is no longer in the catalogue. /programs — other programmes."),
            ReplyKeyboardRemove(),
        )
        return
    quiz_code = await _quiz_code(talk)
    async with talk.db.transaction() as tx:
        await tx.users.ensure(user.id)
        lead = await tx.leads.add(
            user_id=user.id,
            program_id=program.id,
            center_id=center.id if center else None,
            program_title=program.title,
            name=" ".join(x for x in (user.first_name, user.last_name) if x),
            phone=phone,
            quiz_code=quiz_code,
        )
        existing = await tx.leads.find(user.id, program.id) if lead is None else None
    if lead is None:
        assert existing is not None  # applied before: say so, send nothing twice
        await talk.send(already_applied_text(existing), ReplyKeyboardRemove())
        return
    region = talk.places.by_slug(talk.user_row.region_slug or "")
    await plan_programme_reminder(talk.db, user.id, program, region.timezone if region else None)
    with i18n.use_locale(settings.default_locale):
        text = lead_text(lead, user, center.name if center else None, program.is_sample)
    if await _deliver(talk.bot, staff_chats(settings), text):
        async with talk.db.autocommit() as repos:
            await repos.leads.mark_delivered(lead.id)
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


def person_link(user: User) -> str:
    name = html.escape(" ".join(x for x in (user.first_name, user.last_name) if x))
    link = f'<a href="tg://user?id={user.id}">{name}</a>'
    if user.username:
        link += f" @{html.escape(user.username)}"
    return f"{link} (id {user.id})"


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


async def cmd_my(message: Message, db: Database, user_row: UserRow) -> None:
    async with db.autocommit() as repos:
        leads = await repos.leads.of_user(user_row.id)
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🎓 Programmes for me"), callback_data=MoreCb(action=MoreAction.programs))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    if not leads:
        await message.answer(_("You have no applications yet."), reply_markup=kb.as_markup())
        return
    lines = [_("<b>Your applications</b>")]
    for lead in leads[:20]:
        lines.append(f"• {html.escape(short(lead.program_title, 100))} — {lead.created_at[:10]}")
    await message.answer("\n".join(lines), reply_markup=kb.as_markup())


async def on_my(query: CallbackQuery, db: Database, user_row: UserRow) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await cmd_my(query.message, db, user_row)


def create_router() -> Router:
    router = talking_router(__name__)
    router.message.register(cmd_my, Command("my"))
    router.message.register(on_phone, Apply.phone, ~F.text.startswith("/"))
    router.callback_query.register(on_apply, ProgramCb.filter(F.action == ProgramAction.apply))
    router.callback_query.register(on_apply_agree, ApplyCb.filter(F.action == ApplyAction.agree))
    router.callback_query.register(on_apply_cancel, ApplyCb.filter(F.action == ApplyAction.cancel))
    router.callback_query.register(on_my, MoreCb.filter(F.action == MoreAction.applications))
    return router
