"""Callback data of this feature. Every field is an enum or a range-checked value, so a forged
payload fails to parse and falls through to the stale-button handler."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class MenuAction(StrEnum):
    menu = "menu"
    help = "help"
    role = "role"
    language = "lang"
    privacy = "priv"


class ConsentAction(StrEnum):
    agree = "yes"
    details = "more"
    later = "later"
    withdraw = "withdraw"


class RoleChoice(StrEnum):
    student = "student"
    adult = "adult"
    parent = "parent"


class LanguageChoice(StrEnum):
    ru = "ru"
    en = "en"


class ForgetAction(StrEnum):
    ask = "ask"
    confirm = "yes"
    cancel = "no"


class MenuCb(CallbackData, prefix="m"):
    action: MenuAction


class ConsentCb(CallbackData, prefix="c"):
    action: ConsentAction


class RoleCb(CallbackData, prefix="r"):
    role: RoleChoice


class LanguageCb(CallbackData, prefix="l"):
    locale: LanguageChoice


class ForgetCb(CallbackData, prefix="f"):
    action: ForgetAction


class MoreAction(StrEnum):
    """Main-menu entries of the catalogue features."""

    centers = "centers"
    programs = "programs"
    free = "free"
    consult = "consult"
    applications = "apps"
    place = "place"


class MoreCb(CallbackData, prefix="mm"):
    action: MoreAction
