"""Callback data of this feature. Every field is an enum or a range-checked value, so a forged
payload fails to parse and falls through to the stale-button handler."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


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
