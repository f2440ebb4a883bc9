"""Callback data of this feature. Every field is an enum or a range-checked value, so a forged
payload fails to parse and falls through to the stale-button handler."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from bot.domain.enrolment import AgeBand, Status


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


class AboutNext(StrEnum):
    """Where an answer about age or status leads: back to «About me», or on to the list of
    programmes that asked for it."""

    about = "a"
    programs = "p"


class AboutItem(StrEnum):
    age = "age"
    status = "status"


class AboutCb(CallbackData, prefix="ab"):
    """Change one fact under «About me»."""

    item: AboutItem


class AgeCb(CallbackData, prefix="ag"):
    band: AgeBand
    then: AboutNext


class StatusCb(CallbackData, prefix="st"):
    status: Status
    then: AboutNext
