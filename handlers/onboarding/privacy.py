"""Language, what is stored (/privacy), withdrawing consent and deleting everything (/forget)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.runtime.reply import Talk
from bot.services.profile import Forgotten, forget, set_locale, withdraw_consent
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
            "programmes and centres that fit you; whether you want news of the centres "
            "(/settings); the class you joined by a teacher's link (the teacher sees only the "
            "class totals) and links you made to share your result.\n"
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
        "Delete everything I know about you: consent, role, region, test answers, "
        "applications, and my messages about you in the consultants' chat? "
        "This cannot be undone."
    )


def forgotten_text(report: Forgotten, kept: int) -> str:
    """What was deleted, and plainly what may remain elsewhere."""
    lines = [_("Done: everything the bot knew about you has been deleted.")]
    deleted = len(report.staff_messages) - kept
    if deleted:
        lines.append(
            _("Messages about you deleted from the consultants' chat: {count}.").format(
                count=deleted
            )
        )
    if kept:
        lines.append(
            _(
                "Messages in the consultants' chat that could not be deleted (Telegram lets a "
                "bot delete only messages younger than 48 hours): {count}. The consultants can "
                "still see them there."
            ).format(count=kept)
        )
    if report.passed_on:
        lines.append(
            _(
                "Applications already passed on to the centre: {count}. They are in the "
                "centre's own records now; to have them deleted, contact the centre."
            ).format(count=report.passed_on)
        )
    lines.append(_("To start again, send /start."))
    return "\n".join(lines)


async def delete_staff_messages(bot: Bot, messages: list[tuple[int, int]]) -> int:
    """Delete the bot's messages about a person from the staff chats; how many remain (too
    old, already gone from a chat the bot left, …)."""
    kept = 0
    for chat_id, message_id in messages:
        try:
            await bot.delete_message(chat_id, message_id)
        except TelegramAPIError as error:
            if "message to delete not found" not in error.message:
                kept += 1
    return kept


async def on_privacy(_event: Message | CallbackQuery, talk: Talk) -> None:
    has_consent = talk.user_row.has_consent
    await talk.show(
        privacy_text(has_consent=has_consent), keyboards.privacy(has_consent=has_consent)
    )


async def on_withdraw(_query: CallbackQuery, talk: Talk) -> None:
    await withdraw_consent(talk.services.db, talk.user_row)
    await talk.show(
        _(
            "Consent withdrawn. I have erased your name, role, region and source; only your "
            "Telegram ID and language remain. News of the centres will not come any more."
        ),
        keyboards.privacy(has_consent=False),
    )


async def on_language_menu(_event: Message | CallbackQuery, talk: Talk) -> None:
    await talk.show("Выберите язык · Choose a language", keyboards.languages())


async def on_language(query: CallbackQuery, callback_data: LanguageCb, talk: Talk) -> None:
    locale = callback_data.locale.value
    await set_locale(talk.services.db, query.from_user.id, locale)
    with talk.services.i18n.use_locale(locale):
        await talk.show(_("Done, I will speak English now."))
        await send_menu(talk.bot, query.from_user.id, talk.state)


async def on_forget_ask(_event: Message | CallbackQuery, talk: Talk) -> None:
    await talk.show(forget_question(), keyboards.forget_confirmation())


async def on_forget_confirm(query: CallbackQuery, talk: Talk) -> None:
    report = await forget(talk.services.db, query.from_user.id)
    # The rows are gone; clearing through the storage too keeps its cache (and Redis) right.
    await talk.state.clear()
    kept = 0
    if report.staff_messages:
        await talk.acknowledge()  # deleting many messages may take longer than a tap waits
        kept = await delete_staff_messages(talk.bot, report.staff_messages)
    await talk.show(forgotten_text(report, kept))


async def on_forget_cancel(_query: CallbackQuery, talk: Talk) -> None:
    await talk.show(_("Nothing was deleted."), keyboards.back_to_menu())


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_privacy, Command("privacy"))
    router.callback_query.register(on_privacy, MenuCb.filter(F.action == MenuAction.privacy))
    router.callback_query.register(
        on_withdraw, ConsentCb.filter(F.action == ConsentAction.withdraw)
    )
    router.message.register(on_language_menu, Command("language"))
    router.callback_query.register(
        on_language_menu, MenuCb.filter(F.action == MenuAction.language)
    )
    router.callback_query.register(on_language, LanguageCb.filter())
    router.message.register(on_forget_ask, Command("forget"))
    router.callback_query.register(on_forget_ask, ForgetCb.filter(F.action == ForgetAction.ask))
    router.callback_query.register(
        on_forget_confirm, ForgetCb.filter(F.action == ForgetAction.confirm)
    )
    router.callback_query.register(
        on_forget_cancel, ForgetCb.filter(F.action == ForgetAction.cancel)
    )
    return router
