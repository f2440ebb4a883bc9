"""Callback data of this feature. Every field is an enum or a range-checked value, so a forged
payload fails to parse and falls through to the stale-button handler."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field


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


class CatalogueAction(StrEnum):
    leave = "leave"


class CatalogueCb(CallbackData, prefix="ct"):
    """Leave the catalogue mode (the bot no longer waits for a catalogue file)."""

    action: CatalogueAction


class LeadsAction(StrEnum):
    retry = "retry"


class LeadsCb(CallbackData, prefix="ld"):
    """/leads: send an undelivered application again."""

    action: LeadsAction
    lead: Annotated[int, Field(ge=1, le=2**62)]


class FaqAction(StrEnum):
    download = "down"
    upload = "up"
    leave = "leave"


class FaqCb(CallbackData, prefix="fq"):
    """/faq: download the list, upload a new one, or stop waiting for the file."""

    action: FaqAction
