"""Onboarding: greeting, consent to store data, who the person is, then the main menu."""

from __future__ import annotations

import html
import re

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, User
from aiogram.utils.i18n import gettext as _

from bot.runtime.reply import Talk
from bot.services import classes
from bot.services.links import CLASS_PREFIX, RESULT_PREFIX
from bot.services.profile import current_role, give_consent, remember_source, save_role
from handlers.classes import view as class_view
from handlers.classes.router import show_shared_result
from handlers.onboarding import view as keyboards
from handlers.onboarding.callbacks import ConsentAction, ConsentCb, RoleCb
from handlers.onboarding.menu import is_parent, send_menu
from handlers.onboarding.privacy import privacy_text
from handlers.onboarding.states import Onboarding
from storage.classes import ClassRow
from storage.users import Role

# Deep-link payloads Telegram allows: up to 64 characters of A-Z, a-z, 0-9, _ and -.
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def greeting(user: User) -> str:
    return _(
        "👋 Hello, {name}!\n"
        "I will help you find a profession that suits you and a place to learn it quickly: "
        "a career interest test, the nearest ЦОПП centres, short programmes, a check whether "
        "you can study for free, and a human consultant."
    ).format(name=html.escape(user.first_name))


def consent_text() -> str:
    return _(
        "To remember your answers and pick programmes for you, I need your consent to store "
        "your data: your Telegram name, who you are, your region and test results.\n"
        "They are used only to give you advice; news of the centres come only if you ask for "
        "them. You can opt out at any time: withdraw consent in /privacy or delete everything "
        "with /forget.\n"
        "If you are under 14, a parent must agree for you: show this message to a parent and "
        "let them tap «I agree», or tap «Not now» — the test works without consent too."
    )


def role_question() -> str:
    return _("Tell me a little about yourself, so I can suggest the right test. Who are you?")


async def cmd_start(message: Message, command: CommandObject, talk: Talk) -> None:
    assert message.from_user is not None
    state, user_row = talk.state, talk.user_row
    payload = command.args.strip() if command.args else ""
    if payload and not _PAYLOAD.match(payload):
        payload = ""
    if payload.startswith(RESULT_PREFIX):
        await show_shared_result(talk, payload)
        return
    joined = None
    if payload.startswith(CLASS_PREFIX):
        joined = await _open_class(talk, payload)
    elif payload:
        await remember_source(talk.services.db, user_row, state, payload)

    await message.answer(greeting(message.from_user))
    if joined is not None:
        await save_role(talk.services.db, user_row, state, "student")
        if user_row.has_consent:
            await state.set_state(None)
            await message.answer(
                class_view.joined_class(joined.name),
                reply_markup=class_view.school_test_keyboard(),
            )
            return
        await message.answer(class_view.class_waits_for_consent(joined.name))
    if not user_row.has_consent:
        await state.set_state(Onboarding.consent)
        await message.answer(consent_text(), reply_markup=keyboards.consent())
    elif await current_role(user_row, state) is None:
        await state.set_state(Onboarding.role)
        await message.answer(role_question(), reply_markup=keyboards.roles())
    else:
        await state.set_state(None)
        await send_menu(talk.bot, message.chat.id, state, parent=await is_parent(talk))


async def _open_class(talk: Talk, code: str) -> ClassRow | None:
    """A class link: the pupil is in the class (with consent; otherwise once it is given)."""
    row = await classes.find(talk.services.db, code)
    if row is None:
        await talk.send(class_view.unknown_class())
        return None
    await classes.join(talk.services.db, talk.user_row, talk.state, row)
    return row


async def on_consent_agree(query: CallbackQuery, talk: Talk) -> None:
    user = query.from_user
    pending_class = await classes.pending_code(talk.state)
    role = await give_consent(
        talk.services.db,
        user.id,
        talk.state,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
    )
    await talk.show(_("✅ Thank you! Your answers will be saved."))
    joined = await classes.join_pending(talk.services.db, user.id, pending_class)
    if joined is not None:
        await talk.bot.send_message(
            user.id,
            class_view.joined_class(joined.name),
            reply_markup=class_view.school_test_keyboard(),
        )
        return
    await _ask_role_or_menu(query, talk.bot, talk.state, role or talk.user_row.role)


async def on_consent_details(_query: CallbackQuery, talk: Talk) -> None:
    await talk.show(privacy_text(has_consent=False), keyboards.consent(with_details=False))


async def on_consent_later(query: CallbackQuery, talk: Talk) -> None:
    await talk.show(
        _(
            "OK, I will not store anything about you except your Telegram ID and language. "
            "You can change your mind any time in /privacy."
        ),
    )
    role = await current_role(talk.user_row, talk.state)
    await _ask_role_or_menu(query, talk.bot, talk.state, role)


async def _ask_role_or_menu(
    query: CallbackQuery, bot: Bot, state: FSMContext, role: str | None
) -> None:
    if role is None:
        await state.set_state(Onboarding.role)
        await bot.send_message(query.from_user.id, role_question(), reply_markup=keyboards.roles())
    else:
        await state.set_state(None)
        await send_menu(bot, query.from_user.id, state, parent=role == "parent")


def role_name(role: Role) -> str:
    names = {
        "student": _("school student"),
        "adult": _("adult looking for work or training"),
        "parent": _("parent or teacher"),
    }
    return names[role]


async def on_role(query: CallbackQuery, callback_data: RoleCb, talk: Talk) -> None:
    role: Role = callback_data.role.value
    await save_role(talk.services.db, talk.user_row, talk.state, role)
    await talk.state.set_state(None)
    await talk.show(_("Got it: {role}.").format(role=role_name(role)))
    await send_menu(talk.bot, query.from_user.id, talk.state, parent=role == "parent")


# Commands pass through to their own handlers; plain text gets the question again.
_TYPED = F.text & ~F.text.startswith("/")


async def typed_instead_of_consent(message: Message) -> None:
    await message.answer(_("Please choose with a button below 👇"))
    await message.answer(consent_text(), reply_markup=keyboards.consent())


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_start, CommandStart())
    router.callback_query.register(
        on_consent_agree, ConsentCb.filter(F.action == ConsentAction.agree)
    )
    router.callback_query.register(
        on_consent_details, ConsentCb.filter(F.action == ConsentAction.details)
    )
    router.callback_query.register(
        on_consent_later, ConsentCb.filter(F.action == ConsentAction.later)
    )
    router.callback_query.register(on_role, RoleCb.filter())
    router.message.register(typed_instead_of_consent, Onboarding.consent, _TYPED)
    return router
