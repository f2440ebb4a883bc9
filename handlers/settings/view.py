"""Texts and keyboards of /settings and of the news question."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.classes.callbacks import ShareAction, ShareCb
from handlers.onboarding.callbacks import MenuAction, MenuCb
from handlers.reminders.callbacks import SettingsCb
from handlers.settings.callbacks import NewsCb, NewsFrom


def news_question() -> str:
    return _(
        "📰 One more question. Shall I send you news of the centres now and then — open days, "
        "new free programmes? Not more than a few a month. You can change this any time in "
        "/settings."
    )


def news_question_keyboard(*, share: bool) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🔔 Yes, send news"), callback_data=NewsCb(on=True, source=NewsFrom.question))
    kb.button(text=_("No, thanks"), callback_data=NewsCb(on=False, source=NewsFrom.question))
    if share:
        kb.button(text=_("📤 Share my result"), callback_data=ShareCb(action=ShareAction.share))
    kb.adjust(2, 1)
    return kb.as_markup()


def share_offer() -> str:
    return _("📤 You can show this result to a parent or a teacher: they get a link to it.")


def share_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("📤 Share my result"), callback_data=ShareCb(action=ShareAction.share))
    return kb.as_markup()


def news_answer(on: bool) -> str:
    if on:
        return _("🔔 Done: I will send news now and then. /settings switches them off.")
    return _("OK, no news. If you change your mind: /settings.")


def settings_text(*, has_consent: bool, news: bool, reminders_off: bool, language: str) -> str:
    on, off = _("on"), _("off")
    lines = [_("<b>Settings</b>")]
    news_line = _("📰 News of the centres: {state}").format(state=on if news else off)
    if not has_consent:
        news_line += " " + _("(they need your consent to store data: /privacy)")
    lines.append(news_line)
    lines.append(
        _("⏰ Reminders: {state} (in daytime, at most one a day)").format(
            state=off if reminders_off else on
        )
    )
    lines.append(_("🌐 Language: {language}").format(language=language))
    lines.append(_("🔒 What I store and how to delete it: /privacy"))
    return "\n".join(lines)


def settings_keyboard(*, news: bool, reminders_off: bool) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if news:
        kb.button(text=_("🔕 No news"), callback_data=NewsCb(on=False, source=NewsFrom.settings))
    else:
        kb.button(text=_("🔔 Send news"), callback_data=NewsCb(on=True, source=NewsFrom.settings))
    if reminders_off:
        kb.button(text=_("🔔 Turn reminders on"), callback_data=SettingsCb(reminders=True))
    else:
        kb.button(text=_("🔕 Turn reminders off"), callback_data=SettingsCb(reminders=False))
    kb.button(text=_("🌐 Language"), callback_data=MenuCb(action=MenuAction.language))
    kb.button(text=_("🔒 My data"), callback_data=MenuCb(action=MenuAction.privacy))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1, 1, 2, 1)
    return kb.as_markup()
