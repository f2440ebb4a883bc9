"""Applying for a programme: consent to pass contacts on, the phone number, the application
stored with its notice for the consultants and tried at once (the outbox retries what did not
arrive), and `/my`: the person's applications, where each one is, and withdrawing one."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
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
from handlers.consult.lead_status import reason_name
from handlers.onboarding.callbacks import MenuAction, MenuCb, MoreAction, MoreCb
from handlers.places.view import short
from handlers.programs.callbacks import (
    ApplyAction,
    ApplyCb,
    LeadAction,
    LeadCb,
    ProgramAction,
    ProgramCb,
)
from handlers.programs.notices import day
from handlers.programs.states import Apply, ProgramsData
from storage.leads import LeadRow

# Withdraw buttons under /my: the newest active applications.
MAX_WITHDRAW_BUTTONS = 5


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


def earlier_text(lead: LeadRow) -> str:
    """What became of the person's earlier application for the same programme."""
    if lead.withdrawn:
        return _("You withdrew your application for this programme on {date}.").format(
            date=day(lead.withdrawn_at)
        )
    return _(
        "You applied for this programme on {date}: {state}. If nobody has contacted you, "
        "apply again — the consultants will get a fresh notice."
    ).format(date=day(lead.applied_at), state=lead_state(lead))


def lead_state(lead: LeadRow) -> str:
    """Where the application is, in words."""
    if lead.withdrawn:
        return _("withdrawn on {date}").format(date=day(lead.withdrawn_at))
    if lead.stage == "contacted":
        return _("the centre has contacted you ({date})").format(date=day(lead.stage_at))
    if lead.stage == "enrolled":
        return _("you are enrolled ({date})").format(date=day(lead.stage_at))
    if lead.stage == "declined":
        return _("closed by the centre ({date}): {reason}").format(
            date=day(lead.stage_at), reason=reason_name(lead.stage_reason)
        )
    if lead.delivered:
        return _("passed on to the consultants on {date}").format(date=day(lead.delivered_at))
    return _("saved, not yet passed on to the consultants — I keep trying")


async def on_apply(_query: CallbackQuery, callback_data: ProgramCb, talk: Talk) -> None:
    program, lead = await applications.earlier_application(
        talk.services.db, talk.user_row.id, callback_data.program
    )
    if program is None:
        await talk.alert(_("This programme is no longer in the catalogue."))
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
    if lead is not None:
        text = earlier_text(lead) + "\n\n" + text
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
    outbox = services.lead_outbox
    submission = await applications.submit(
        services.db,
        user_id=user.id,
        name=" ".join(x for x in (user.first_name, user.last_name) if x),
        username=user.username,
        program=program,
        center=center,
        phone=phone,
        quiz_code=await applications.quiz_code_for(
            services.db,
            talk.user_row,
            data.get(ProgramsData.basis),
            data.get(ResultKey.unsaved),
        ),
        claim=outbox.claim(),
    )
    region = services.places.by_slug(talk.user_row.region_slug or "")
    await plan_programme_reminder(
        services.db, user.id, program, region.timezone if region else None
    )
    delivery = await outbox.deliver(talk.bot, submission.job_id, tell_person=False)
    title = html.escape(short(program.title, 120))
    if delivery.sent:
        text = _(
            "✅ Your application for «{title}» is sent.\n\n"
            "What happens next: a consultant will call or message you at {phone} to talk "
            "about dates and documents. Keep your passport and SNILS at hand.\n"
            "Your applications: /my"
        ).format(title=title, phone=format_phone(phone))
    else:
        text = _(
            "📝 Your application for «{title}» is saved, but I couldn't pass it to the "
            "consultants right now. I keep trying and will write here as soon as they have "
            "it; then a consultant will call or message you at {phone}.\n"
            "Your applications: /my"
        ).format(title=title, phone=format_phone(phone))
    await talk.send(text, ReplyKeyboardRemove())


async def on_my(_event: Message | CallbackQuery, talk: Talk) -> None:
    leads = await applications.applications_of(talk.services.db, talk.user_row.id)
    shown = leads[:20]
    kb = InlineKeyboardBuilder()
    for lead in [lead for lead in shown if not lead.withdrawn][:MAX_WITHDRAW_BUTTONS]:
        kb.button(
            text=_("↩️ Withdraw: {title}").format(title=short(lead.program_title, 14)),
            callback_data=LeadCb(action=LeadAction.withdraw, lead=lead.id),
        )
    kb.button(text=_("🎓 Programmes for me"), callback_data=MoreCb(action=MoreAction.programs))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    if not leads:
        await talk.send(_("You have no applications yet."), kb.as_markup())
        return
    lines = [_("<b>Your applications</b>")]
    for lead in shown:
        lines.append(
            _("• «{title}», {date}: {state}").format(
                title=html.escape(short(lead.program_title, 100)),
                date=day(lead.applied_at),
                state=lead_state(lead),
            )
        )
    await talk.send("\n".join(lines), kb.as_markup())


def _back_to_applications() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("📝 My applications"), callback_data=MoreCb(action=MoreAction.applications))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    return kb.as_markup()


def _gone_text() -> str:
    return _("This application is already withdrawn or gone. /my — your applications.")


async def on_withdraw(_query: CallbackQuery, callback_data: LeadCb, talk: Talk) -> None:
    lead = await applications.application_of(
        talk.services.db, talk.user_row.id, callback_data.lead
    )
    if lead is None or lead.withdrawn:
        await talk.alert(_gone_text())
        return
    kb = InlineKeyboardBuilder()
    kb.button(
        text=_("↩️ Yes, withdraw"), callback_data=LeadCb(action=LeadAction.confirm, lead=lead.id)
    )
    kb.button(text=_("Keep it"), callback_data=LeadCb(action=LeadAction.keep, lead=lead.id))
    kb.adjust(1)
    await talk.show(
        _(
            "Withdraw your application for «{title}»? The consultants will get a note that "
            "you no longer need a call. You can apply again at any time."
        ).format(title=html.escape(short(lead.program_title, 120))),
        kb.as_markup(),
    )


async def on_withdraw_confirm(_query: CallbackQuery, callback_data: LeadCb, talk: Talk) -> None:
    services = talk.services
    outbox = services.lead_outbox
    withdrawal = await applications.withdraw(
        services.db, talk.user_row.id, callback_data.lead, outbox.claim()
    )
    if withdrawal is None:
        await talk.alert(_gone_text())
        return
    title = html.escape(short(withdrawal.lead.program_title, 120))
    if withdrawal.job_id is None:
        text = _(
            "Done: the application for «{title}» is withdrawn. It had not reached the "
            "consultants, so nobody will call about it."
        ).format(title=title)
    else:
        await outbox.deliver(talk.bot, withdrawal.job_id, tell_person=False)
        text = _(
            "Done: the application for «{title}» is withdrawn. The consultants get a note "
            "that you no longer need a call."
        ).format(title=title)
    await talk.show(text, _back_to_applications())


async def on_withdraw_keep(_query: CallbackQuery, talk: Talk) -> None:
    await talk.show(_("OK, the application stays."), _back_to_applications())


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_my, Command("my"))
    router.message.register(on_phone, Apply.phone, ~F.text.startswith("/"))
    router.callback_query.register(on_apply, ProgramCb.filter(F.action == ProgramAction.apply))
    router.callback_query.register(on_apply_agree, ApplyCb.filter(F.action == ApplyAction.agree))
    router.callback_query.register(on_apply_cancel, ApplyCb.filter(F.action == ApplyAction.cancel))
    router.callback_query.register(on_my, MoreCb.filter(F.action == MoreAction.applications))
    router.callback_query.register(on_withdraw, LeadCb.filter(F.action == LeadAction.withdraw))
    router.callback_query.register(
        on_withdraw_confirm, LeadCb.filter(F.action == LeadAction.confirm)
    )
    router.callback_query.register(on_withdraw_keep, LeadCb.filter(F.action == LeadAction.keep))
    return router
