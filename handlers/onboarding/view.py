"""Inline keyboards. Labels go through gettext and stay short enough for a phone screen."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.onboarding.callbacks import (
    ConsentAction,
    ConsentCb,
    ForgetAction,
    ForgetCb,
    LanguageCb,
    LanguageChoice,
    MenuAction,
    MenuCb,
    MoreAction,
    MoreCb,
    RoleCb,
    RoleChoice,
)
from handlers.quiz.callbacks import QuizMenuAction, QuizMenuCb


def main_menu(*, unfinished_quiz: bool = False) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if unfinished_quiz:
        kb.button(
            text=_("▶️ Continue the test"), callback_data=QuizMenuCb(action=QuizMenuAction.resume)
        )
    kb.button(text=_("🧭 Take a test"), callback_data=QuizMenuCb(action=QuizMenuAction.choose))
    kb.button(text=_("📊 My result"), callback_data=QuizMenuCb(action=QuizMenuAction.result))
    kb.button(text=_("🎓 Programmes"), callback_data=MoreCb(action=MoreAction.programs))
    kb.button(text=_("📍 Centres near me"), callback_data=MoreCb(action=MoreAction.centers))
    kb.button(text=_("🆓 Study for free?"), callback_data=MoreCb(action=MoreAction.free))
    kb.button(text=_("💬 Ask a person"), callback_data=MoreCb(action=MoreAction.consult))
    kb.button(text=_("📝 My applications"), callback_data=MoreCb(action=MoreAction.applications))
    kb.button(text=_("👤 About me"), callback_data=MenuCb(action=MenuAction.role))
    kb.button(text=_("🌐 Language"), callback_data=MenuCb(action=MenuAction.language))
    kb.button(text=_("🔒 My data"), callback_data=MenuCb(action=MenuAction.privacy))
    kb.button(text=_("❓ What I can do"), callback_data=MenuCb(action=MenuAction.help))
    kb.adjust(*([1] if unfinished_quiz else []), 2, 2, 2, 2, 2, 1)
    return kb.as_markup()


def back_to_menu() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    return kb.as_markup()


def consent(*, with_details: bool = True) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("✅ I agree"), callback_data=ConsentCb(action=ConsentAction.agree))
    if with_details:
        kb.button(text=_("📄 Details"), callback_data=ConsentCb(action=ConsentAction.details))
    kb.button(text=_("Not now"), callback_data=ConsentCb(action=ConsentAction.later))
    kb.adjust(1)
    return kb.as_markup()


def roles() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🎒 I'm at school"), callback_data=RoleCb(role=RoleChoice.student))
    kb.button(text=_("💼 Work or training"), callback_data=RoleCb(role=RoleChoice.adult))
    kb.button(text=_("👪 Parent or teacher"), callback_data=RoleCb(role=RoleChoice.parent))
    kb.adjust(1)
    return kb.as_markup()


def languages() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text="🇷🇺 Русский", callback_data=LanguageCb(locale=LanguageChoice.ru))
    kb.button(text="🇬🇧 English", callback_data=LanguageCb(locale=LanguageChoice.en))
    kb.adjust(2)
    return kb.as_markup()


def privacy(*, has_consent: bool) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if has_consent:
        kb.button(
            text=_("↩️ Withdraw consent"), callback_data=ConsentCb(action=ConsentAction.withdraw)
        )
    else:
        kb.button(text=_("✅ I agree"), callback_data=ConsentCb(action=ConsentAction.agree))
    kb.button(text=_("🗑 Delete everything"), callback_data=ForgetCb(action=ForgetAction.ask))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    return kb.as_markup()


def forget_confirmation() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🗑 Yes, delete all"), callback_data=ForgetCb(action=ForgetAction.confirm))
    kb.button(text=_("Cancel"), callback_data=ForgetCb(action=ForgetAction.cancel))
    kb.adjust(1)
    return kb.as_markup()
