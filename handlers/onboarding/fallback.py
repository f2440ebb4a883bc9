"""Whatever no feature handled: a short, friendly answer and the way back to the menu."""

from __future__ import annotations

import html

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.onboarding.menu import menu_keyboard, send_menu


async def unknown_command(message: Message, state: FSMContext) -> None:
    assert message.text is not None
    command = message.text.split(maxsplit=1)[0][:64]
    await message.answer(
        _("I don't know the command {command}. Here is what I can do:").format(
            command=html.escape(command)
        ),
        reply_markup=await menu_keyboard(state),
    )


async def unknown_text(message: Message, state: FSMContext) -> None:
    # Free text where nothing waits is `handlers.free_text`'s; here a step waits for a button.
    await message.answer(
        _("I didn't catch that 🙂 Please use the buttons above, or choose here:"),
        reply_markup=await menu_keyboard(state),
    )


async def unexpected_content(message: Message, state: FSMContext) -> None:
    # Stickers, voice, photos, files, locations where nothing asked for them.
    await message.answer(
        _("Thank you! I can't use this here — I understand buttons and commands. Please choose:"),
        reply_markup=await menu_keyboard(state),
    )


async def stale_button(query: CallbackQuery, bot: Bot, state: FSMContext) -> None:
    # An old message's button, or callback data that does not parse: never leave a spinner.
    await query.answer(_("This button no longer works — here is the menu."))
    await send_menu(bot, query.from_user.id, state)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(unknown_command, F.text.startswith("/"))
    router.message.register(unknown_text, F.text)
    router.message.register(unexpected_content)
    router.callback_query.register(stale_button)
    return router
