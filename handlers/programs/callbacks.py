"""Callback data of this feature. Every field is an enum or a range-checked value, so a forged
payload fails to parse and falls through to the stale-button handler."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field


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


class LeadAction(StrEnum):
    withdraw = "wd"  # asks first
    confirm = "yes"
    keep = "keep"


class LeadCb(CallbackData, prefix="ml"):
    """One of the person's own applications in /my; the id is checked against the person."""

    action: LeadAction
    lead: Annotated[int, Field(ge=1, le=2**62)]
