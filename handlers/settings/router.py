"""/settings (news, reminders, language, a link to /privacy) and the news question asked once,
right after the first saved test result."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.runtime.reply import Talk
from bot.services import news
from bot.services.classes import is_pupil
from bot.services.reminders import reminders_off
from handlers.settings import view
from handlers.settings.callbacks import NewsCb, NewsFrom

LANGUAGES = {"ru": "Русский", "en": "English"}


async def show_settings(talk: Talk, *, notice: str | None = None) -> None:
    user_row = talk.user_row
    db = talk.services.db
    wants = await news.wants_news(db, user_row.id)
    off = await reminders_off(db, user_row.id)
    await talk.show(
        view.settings_text(
            has_consent=user_row.has_consent,
            news=wants,
            reminders_off=off,
            language=LANGUAGES.get(talk.locale, talk.locale),
        ),
        view.settings_keyboard(news=wants, reminders_off=off),
        notice=notice,
    )


async def cmd_settings(_message: Message, talk: Talk) -> None:
    await show_settings(talk)


async def on_news(_query: CallbackQuery, callback_data: NewsCb, talk: Talk) -> None:
    if not await news.set_news(talk.services.db, talk.user_row.id, wanted=callback_data.on):
        await talk.alert(
            _("News go only to people who agreed to store their data. You can agree in /privacy.")
        )
        return
    if callback_data.source is NewsFrom.settings:
        await show_settings(
            talk, notice=_("News are on.") if callback_data.on else _("News are off.")
        )
        return
    pupil = await is_pupil(talk.services.db, talk.user_row, talk.state)
    await talk.show(view.news_answer(callback_data.on), view.share_keyboard() if pupil else None)


async def after_result(talk: Talk, *, saved: bool) -> None:
    """After a finished test: the news question (once, after the first saved result) and, for
    a pupil, the offer to share the result with a parent or a teacher."""
    if not saved:
        return
    db = talk.services.db
    pupil = await is_pupil(db, talk.user_row, talk.state)
    if await news.should_ask(db, talk.user_row):
        await talk.bot.send_message(
            talk.chat_id,
            view.news_question(),
            reply_markup=view.news_question_keyboard(share=pupil),
        )
    elif pupil:
        await talk.bot.send_message(
            talk.chat_id, view.share_offer(), reply_markup=view.share_keyboard()
        )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_settings, Command("settings"))
    router.callback_query.register(on_news, NewsCb.filter())
    return router
