"""Applying for a programme: consent to pass contacts on, the phone number, the lead stored
and delivered to the consultants, and `/my` with the person's applications."""

from __future__ import annotations

import html
import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
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

from bot import catalogue_view as view
from bot.callbacks import (
    ApplyAction,
    ApplyCb,
    MenuAction,
    MenuCb,
    MoreAction,
    MoreCb,
    ProgramAction,
    ProgramCb,
)
from bot.config import Settings
from bot.contacts import format_phone, normalize_phone
from bot.states import Apply
from handlers.common import answer_callback_with, staff_chats
from handlers.programs import BASIS
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
        title=html.escape(view.short(lead.program_title, 120)),
        date=lead.created_at[:10],
        phone=format_phone(lead.phone),
    )


async def on_apply(
    query: CallbackQuery, callback_data: ProgramCb, db: Database, user_row: UserRow
) -> None:
    async with db.autocommit() as repos:
        program = await repos.catalogue.program(callback_data.program)
        lead = await repos.leads.find(user_row.id, callback_data.program)
    if program is None:
        await query.answer(_("This programme is no longer in the catalogue."), show_alert=True)
        return
    if lead is not None:
        await answer_callback_with(query, already_applied_text(lead))
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
    ).format(title=html.escape(view.short(program.title, 120)))
    if program.is_sample:
        text += "\n\n" + _(
            "This is a sample programme: the consultants will tell you what the centre "
            "really offers in this field."
        )
    await answer_callback_with(query, text, kb.as_markup())


async def on_apply_agree(
    query: CallbackQuery, callback_data: ApplyCb, bot: Bot, state: FSMContext, db: Database
) -> None:
    async with db.autocommit() as repos:
        program = await repos.catalogue.program(callback_data.program)
    if program is None:
        await query.answer(_("This programme is no longer in the catalogue."), show_alert=True)
        return
    await state.set_state(Apply.phone)
    await state.update_data({PENDING_PROGRAM: program.id})
    await answer_callback_with(query, _("Thank you!"))
    await bot.send_message(
        query.from_user.id,
        _(
            "Now your phone number: tap the button below, or type it — for example, "
            "+7 912 345-67-89."
        ),
        reply_markup=phone_keyboard(),
    )


async def on_apply_cancel(query: CallbackQuery, callback_data: ApplyCb) -> None:
    kb = InlineKeyboardBuilder()
    kb.button(
        text=_("◀️ Back to the programme"),
        callback_data=ProgramCb(action=ProgramAction.card, program=callback_data.program),
    )
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    await answer_callback_with(query, _("OK, I haven't passed anything on."), kb.as_markup())


async def _cancel(message: Message, state: FSMContext) -> None:
    await state.set_state(None)
    await state.update_data({PENDING_PROGRAM: None})
    await message.answer(
        _("OK, I haven't passed anything on. /menu — the main menu."),
        reply_markup=ReplyKeyboardRemove(),
    )


async def on_contact(
    message: Message,
    bot: Bot,
    state: FSMContext,
    db: Database,
    settings: Settings,
    i18n: I18n,
    user_row: UserRow,
) -> None:
    assert message.contact is not None and message.from_user is not None
    if message.contact.user_id not in (None, message.from_user.id):
        await message.answer(
            _("Please share your own number with the button below, or type it."),
            reply_markup=phone_keyboard(),
        )
        return
    phone = normalize_phone(message.contact.phone_number)
    if phone is None:
        await message.answer(
            _(
                "I can pass on only a Russian number. Please type one, "
                "for example +7 912 345-67-89."
            )
        )
        return
    await _finish(message, bot, state, db, settings, i18n, user_row, phone)


async def on_phone_text(
    message: Message,
    bot: Bot,
    state: FSMContext,
    db: Database,
    settings: Settings,
    i18n: I18n,
    user_row: UserRow,
) -> None:
    assert message.text is not None
    if message.text.strip() == cancel_label():
        await _cancel(message, state)
        return
    phone = normalize_phone(message.text)
    if phone is None:
        await message.answer(
            _(
                "This doesn't look like a phone number. Example: +7 912 345-67-89 or "
                "8 912 345 67 89. Or tap «Cancel»."
            ),
            reply_markup=phone_keyboard(),
        )
        return
    await _finish(message, bot, state, db, settings, i18n, user_row, phone)


async def on_other_in_apply(message: Message) -> None:
    await message.answer(
        _("I'm waiting for your phone number: tap the button below or type it."),
        reply_markup=phone_keyboard(),
    )


async def _quiz_code(db: Database, user_row: UserRow, state: FSMContext) -> str | None:
    if user_row.has_consent:
        async with db.autocommit() as repos:
            row = await repos.results.latest(user_row.id)
        if row is not None and row.code:
            return row.code
    basis = (await state.get_data()).get(BASIS)
    return basis if isinstance(basis, str) and len(basis) <= 8 else None


async def _finish(
    message: Message,
    bot: Bot,
    state: FSMContext,
    db: Database,
    settings: Settings,
    i18n: I18n,
    user_row: UserRow,
    phone: str,
) -> None:
    assert message.from_user is not None
    program_id = (await state.get_data()).get(PENDING_PROGRAM)
    async with db.transaction() as tx:
        program = await tx.catalogue.program(str(program_id)) if program_id else None
        center = (
            await tx.catalogue.center(program.center_id)
            if program is not None and program.center_id
            else None
        )
        existing = await tx.leads.find(user_row.id, program.id) if program else None
    await state.set_state(None)
    await state.update_data({PENDING_PROGRAM: None})
    if program is None:
        await message.answer(
            _("This programme is no longer in the catalogue. /programs — other programmes."),
            reply_markup=ReplyKeyboardRemove(),
        )
        return
    if existing is not None:
        await message.answer(already_applied_text(existing), reply_markup=ReplyKeyboardRemove())
        return
    user = message.from_user
    name = " ".join(x for x in (user.first_name, user.last_name) if x)
    quiz_code = await _quiz_code(db, user_row, state)
    async with db.transaction() as tx:
        await tx.users.ensure(user.id)
        lead = await tx.leads.add(
            user_id=user.id,
            program_id=program.id,
            center_id=center.id if center else None,
            program_title=program.title,
            name=name,
            phone=phone,
            quiz_code=quiz_code,
        )
    if lead is None:  # a second tap raced the first one
        return
    with i18n.use_locale(settings.default_locale):
        text = lead_text(lead, user, center.name if center else None, program.is_sample)
    delivered = False
    for chat_id in staff_chats(settings):
        try:
            await bot.send_message(chat_id, text)
        except TelegramAPIError:
            logger.warning("Lead %d could not be delivered to chat %d", lead.id, chat_id)
        else:
            delivered = True
    if delivered:
        async with db.autocommit() as repos:
            await repos.leads.mark_delivered(lead.id)
    else:
        logger.warning("Lead %d is stored but no staff chat received it", lead.id)
    await message.answer(
        _(
            "✅ Your application for «{title}» is sent.\n\n"
            "What happens next: a consultant will call or message you at {phone} to talk "
            "about dates and documents. Keep your passport and SNILS at hand.\n"
            "Your applications: /my"
        ).format(title=html.escape(view.short(program.title, 120)), phone=format_phone(phone)),
        reply_markup=ReplyKeyboardRemove(),
    )


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
        lines.append(
            f"• {html.escape(view.short(lead.program_title, 100))} — {lead.created_at[:10]}"
        )
    await message.answer("\n".join(lines), reply_markup=kb.as_markup())


async def on_my(query: CallbackQuery, db: Database, user_row: UserRow) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await cmd_my(query.message, db, user_row)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_my, Command("my"))
    router.message.register(on_contact, Apply.phone, F.contact)
    router.message.register(on_phone_text, Apply.phone, F.text, ~F.text.startswith("/"))
    router.message.register(on_other_in_apply, Apply.phone, ~F.text.startswith("/"))
    router.callback_query.register(on_apply, ProgramCb.filter(F.action == ProgramAction.apply))
    router.callback_query.register(on_apply_agree, ApplyCb.filter(F.action == ApplyAction.agree))
    router.callback_query.register(on_apply_cancel, ApplyCb.filter(F.action == ApplyAction.cancel))
    router.callback_query.register(on_my, MoreCb.filter(F.action == MoreAction.applications))
    return router
