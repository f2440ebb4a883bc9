"""Language, what is stored (/privacy), withdrawing consent and deleting everything (/forget)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from handlers.common import answer_callback_with
from handlers.onboarding import view as keyboards
from handlers.onboarding.callbacks import (
    ConsentAction,
    ConsentCb,
    ForgetAction,
    ForgetCb,
    LanguageCb,
    MenuAction,
    MenuCb,
)
from handlers.onboarding.menu import send_menu
from storage.db import Database
from storage.users import UserRow


def privacy_text(*, has_consent: bool) -> str:
    status = (
        _("Now: you have given consent.")
        if has_consent
        else _(
            "Now: no consent — I keep only your Telegram ID, language and, while you use "
            "them, the answers of an unfinished test, your place and programme filters."
        )
    )
    return (
        _(
            "🔒 <b>What I store and why</b>\n"
            "• Your Telegram ID and language — without them I cannot answer you.\n"
            "• With your consent: your name in Telegram, who you are (student, adult, parent), "
            "your region and place (a shared location is rounded to about 1 km), programme "
            "filters, the link you came by, and your test answers and results — to suggest "
            "programmes and centres that fit you.\n"
            "• When you apply for a programme: your name, phone number and test result go to "
            "the centre's consultants, and the application stays in your list (/my).\n"
            "The data is kept on the bot's server and processed under Russian law on personal "
            "data (152-ФЗ). A centre receives it only with an application you send yourself.\n"
            "Withdraw consent: /privacy. Delete everything: /forget."
        )
        + "\n\n"
        + status
    )


def forget_question() -> str:
    return _(
        "Delete everything I know about you: consent, role, region, test answers? "
        "This cannot be undone."
    )


async def cmd_privacy(message: Message, user_row: UserRow) -> None:
    await message.answer(
        privacy_text(has_consent=user_row.has_consent),
        reply_markup=keyboards.privacy(has_consent=user_row.has_consent),
    )


async def on_privacy(query: CallbackQuery, user_row: UserRow) -> None:
    await answer_callback_with(
        query,
        privacy_text(has_consent=user_row.has_consent),
        keyboards.privacy(has_consent=user_row.has_consent),
    )


async def on_withdraw(query: CallbackQuery, db: Database, user_row: UserRow) -> None:
    if user_row.has_consent:
        async with db.transaction() as tx:
            await tx.users.withdraw_consent(user_row.id)
            await tx.results.delete_all(user_row.id)  # results are kept only with consent
    await answer_callback_with(
        query,
        _(
            "Consent withdrawn. I have erased your name, role, region and source; only your "
            "Telegram ID and language remain."
        ),
        keyboards.privacy(has_consent=False),
    )


async def cmd_language(message: Message) -> None:
    await message.answer("Выберите язык · Choose a language", reply_markup=keyboards.languages())


async def on_language_menu(query: CallbackQuery) -> None:
    await answer_callback_with(query, "Выберите язык · Choose a language", keyboards.languages())


async def on_language(
    query: CallbackQuery,
    callback_data: LanguageCb,
    bot: Bot,
    state: FSMContext,
    db: Database,
    i18n: I18n,
) -> None:
    locale = callback_data.locale.value
    async with db.transaction() as tx:
        await tx.users.set_locale(query.from_user.id, locale)
    with i18n.use_locale(locale):
        await answer_callback_with(query, _("Done, I will speak English now."))
        await send_menu(bot, query.from_user.id, state)


async def cmd_forget(message: Message) -> None:
    await message.answer(forget_question(), reply_markup=keyboards.forget_confirmation())


async def on_forget_ask(query: CallbackQuery) -> None:
    await answer_callback_with(query, forget_question(), keyboards.forget_confirmation())


async def on_forget_confirm(query: CallbackQuery, db: Database, state: FSMContext) -> None:
    async with db.transaction() as tx:
        await tx.forget_user(query.from_user.id)
    # The rows are gone; clearing through the storage too keeps its cache (and Redis) right.
    await state.clear()
    await answer_callback_with(
        query,
        _("Done: everything about you has been deleted. To start again, send /start."),
    )


async def on_forget_cancel(query: CallbackQuery) -> None:
    await answer_callback_with(query, _("Nothing was deleted."), keyboards.back_to_menu())


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_privacy, Command("privacy"))
    router.callback_query.register(on_privacy, MenuCb.filter(F.action == MenuAction.privacy))
    router.callback_query.register(
        on_withdraw, ConsentCb.filter(F.action == ConsentAction.withdraw)
    )
    router.message.register(cmd_language, Command("language"))
    router.callback_query.register(
        on_language_menu, MenuCb.filter(F.action == MenuAction.language)
    )
    router.callback_query.register(on_language, LanguageCb.filter())
    router.message.register(cmd_forget, Command("forget"))
    router.callback_query.register(on_forget_ask, ForgetCb.filter(F.action == ForgetAction.ask))
    router.callback_query.register(
        on_forget_confirm, ForgetCb.filter(F.action == ForgetAction.confirm)
    )
    router.callback_query.register(
        on_forget_cancel, ForgetCb.filter(F.action == ForgetAction.cancel)
    )
    return router
