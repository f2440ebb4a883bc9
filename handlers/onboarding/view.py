"""Inline keyboards. Labels go through gettext and stay short enough for a phone screen."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.enrolment import AgeBand, Status
from handlers.classes.callbacks import ParentAction, ParentCb
from handlers.onboarding.callbacks import (
    AboutCb,
    AboutItem,
    AboutNext,
    AgeCb,
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
    StatusCb,
)
from handlers.quiz.callbacks import QuizMenuAction, QuizMenuCb


def main_menu(*, unfinished_quiz: bool = False, parent: bool = False) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if parent:
        kb.button(
            text=_("👪 For parents, teachers"), callback_data=ParentCb(action=ParentAction.menu)
        )
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
    kb.adjust(*([1] if parent else []), *([1] if unfinished_quiz else []), 2, 2, 2, 2, 2, 1)
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


def about_me() -> InlineKeyboardMarkup:
    """The role buttons, and the age band and status to change."""
    kb = InlineKeyboardBuilder()
    kb.attach(InlineKeyboardBuilder.from_markup(roles()))
    kb.button(text=_("🎂 Age"), callback_data=AboutCb(item=AboutItem.age))
    kb.button(text=_("💼 What I do now"), callback_data=AboutCb(item=AboutItem.status))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1, 1, 1, 2, 1)
    return kb.as_markup()


def age_band_label(band: AgeBand) -> str:
    return {
        AgeBand.under14: _("under 14"),
        AgeBand.teen: _("14–17"),
        AgeBand.young: _("18–34"),
        AgeBand.middle: _("35–49"),
        AgeBand.senior: _("50+"),
    }[band]


def status_label(status: Status) -> str:
    return {
        Status.school: _("At school"),
        Status.student: _("At college or university"),
        Status.working: _("Working"),
        Status.not_working: _("Not working"),
        Status.parental_leave: _("On parental leave"),
        Status.retired: _("Retired"),
    }[status]


def age_bands(then: AboutNext) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for band in AgeBand:
        kb.button(text=age_band_label(band), callback_data=AgeCb(band=band, then=then))
    kb.adjust(3, 2)
    return kb.as_markup()


def statuses(then: AboutNext) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for status in Status:
        kb.button(text=status_label(status), callback_data=StatusCb(status=status, then=then))
    kb.adjust(1, 1, 2, 1, 1)
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
