"""Main menu and help."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.runtime.reply import Talk
from bot.services.profile import current_role
from handlers.onboarding import view as keyboards
from handlers.onboarding.callbacks import MenuAction, MenuCb
from handlers.quiz.states import has_unfinished_quiz


def menu_text() -> str:
    return _("<b>Main menu</b>\nWhat shall we do?")


def help_text() -> str:
    return _(
        "I help you choose a profession and find short training at ЦОПП — the centres of "
        "advanced vocational training that work in most regions of Russia.\n\n"
        "<b>Commands</b>\n"
        "/menu — main menu\n"
        "/test — career tests\n"
        "/myresult — your latest test result\n"
        "/programs — short programmes that fit you\n"
        "/centers — ЦОПП centres near you\n"
        "/free — can you study for free\n"
        "/consult — ask a consultant\n"
        "/my — your applications\n"
        "/place — change your city or region\n"
        "/settings — news, reminders, language\n"
        "/classes — for parents and teachers: send the test to a child or a class\n"
        "/language — change the language\n"
        "/privacy — what I store and why\n"
        "/forget — delete everything about you\n"
        "/help — this message\n\n"
        "<b>Talk to a person</b>\n"
        "/consult passes your question to a consultant. Career advice in person is also given "
        "by the employment centre of your town («Работа России», trudvsem.ru) and by the ЦОПП "
        "of your region."
    )


async def menu_keyboard(state: FSMContext, *, parent: bool = False) -> InlineKeyboardMarkup:
    """The menu offers to continue a test only when one is unfinished; parents and teachers
    get their own entry first."""
    return keyboards.main_menu(unfinished_quiz=await has_unfinished_quiz(state), parent=parent)


async def send_menu(bot: Bot, chat_id: int, state: FSMContext, *, parent: bool = False) -> None:
    await bot.send_message(
        chat_id, menu_text(), reply_markup=await menu_keyboard(state, parent=parent)
    )


async def is_parent(talk: Talk) -> bool:
    return await current_role(talk.user_row, talk.state) == "parent"


async def cmd_menu(message: Message, talk: Talk) -> None:
    # The menu is the way out of any half-finished step; saved data stays.
    await talk.state.set_state(None)
    await send_menu(talk.bot, message.chat.id, talk.state, parent=await is_parent(talk))


async def on_menu(_query: CallbackQuery, talk: Talk) -> None:
    await talk.show(menu_text(), await menu_keyboard(talk.state, parent=await is_parent(talk)))


async def on_help(_event: Message | CallbackQuery, talk: Talk) -> None:
    await talk.show(help_text(), keyboards.back_to_menu())


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_menu, Command("menu"))
    router.message.register(on_help, Command("help"))
    router.callback_query.register(on_menu, MenuCb.filter(F.action == MenuAction.menu))
    router.callback_query.register(on_help, MenuCb.filter(F.action == MenuAction.help))
    return router
