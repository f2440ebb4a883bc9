"""Callback data factories. Every field is an enum, so a forged payload fails to parse and
falls through to the stale-button handler instead of reaching a feature handler."""

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


class QuizAction(StrEnum):
    answer = "a"
    back = "b"
    pause = "p"


class QuizCb(CallbackData, prefix="q"):
    """A tap inside a quiz; `attempt` and `question` say which question it answers."""

    action: QuizAction
    attempt: str
    question: int
    value: int = 0


class QuizMenuAction(StrEnum):
    choose = "choose"
    start = "start"
    resume = "resume"
    restart = "restart"
    result = "result"


class InstrumentChoice(StrEnum):
    riasec = "riasec"
    klimov = "klimov"
    none = "-"


class QuizMenuCb(CallbackData, prefix="qm"):
    action: QuizMenuAction
    instrument: InstrumentChoice = InstrumentChoice.none
