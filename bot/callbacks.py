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


class PlaceAction(StrEnum):
    districts = "d"
    district = "dd"
    region = "r"


class PlaceCb(CallbackData, prefix="pl"):
    """`index` is a federal district's number in the picker; `slug` a region's id."""

    action: PlaceAction
    index: int = 0
    slug: str = ""


class CenterAction(StrEnum):
    card = "card"
    pin = "pin"
    programs = "progs"
    nearest = "near"


class CenterCb(CallbackData, prefix="ce"):
    action: CenterAction
    center: str = ""


class ProgramAction(StrEnum):
    page = "page"
    card = "card"
    apply = "apply"


class ProgramCb(CallbackData, prefix="pg"):
    action: ProgramAction
    program: str = ""
    page: int = 0


class PrefStep(StrEnum):
    length = "len"
    fmt = "fmt"
    free = "free"
    edit = "edit"


class PrefCb(CallbackData, prefix="pf"):
    step: PrefStep
    value: str = ""


class FieldCb(CallbackData, prefix="fd"):
    """Browse programs by a field (a RIASEC letter), or by the code of a quiz result."""

    code: str


class ApplyAction(StrEnum):
    agree = "yes"
    cancel = "no"


class ApplyCb(CallbackData, prefix="ap"):
    action: ApplyAction
    program: str


class EligibilityCb(CallbackData, prefix="el"):
    """An answer to question `index` of the free-training check."""

    index: int
    yes: bool


class ConsultAction(StrEnum):
    end = "end"


class ConsultCb(CallbackData, prefix="cs"):
    action: ConsultAction


class AudienceCb(CallbackData, prefix="ba"):
    """An audience for a broadcast draft. `kind` "more-<kind>" opens a picker of values;
    `value` is a region slug, a type, a language or a source's number in the picker."""

    kind: str
    value: str = ""


class DraftAction(StrEnum):
    send = "send"
    schedule = "later"
    audience = "aud"
    cancel = "cancel"


class DraftCb(CallbackData, prefix="bd"):
    action: DraftAction


class BroadcastAction(StrEnum):
    pause = "pause"
    resume = "resume"
    cancel = "cancel"


class BroadcastCb(CallbackData, prefix="bx"):
    action: BroadcastAction
    id: int


class SettingsCb(CallbackData, prefix="st"):
    reminders: bool
