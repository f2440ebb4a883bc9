"""Callback data of this feature. Every field is an enum or a range-checked value, so a forged
payload fails to parse and falls through to the stale-button handler."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.services.centre_admins import Reason, Stage


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


class CentreAction(StrEnum):
    open = "open"  # a centre's card
    add = "add"  # add an admin: wait for a forwarded message, a contact or an id
    remove = "rm"  # remove the admin `user`
    code = "code"  # a one-time code for `/bind` in the staff group
    unbind = "unbind"
    search = "search"  # back to the search


class CentreCb(CallbackData, prefix="cn"):
    """/centres: a centre (its id from centers.csv, ASCII, at most 40 characters)."""

    action: CentreAction
    centre: Annotated[str, Field(max_length=40, pattern=r"^[a-z0-9-]*$")] = ""
    user: Annotated[int, Field(ge=0, le=2**62)] = 0


class StageAction(StrEnum):
    set = "set"
    reasons = "why"  # «отказ»: show the reasons
    back = "back"  # from the reasons back to the stage buttons


class StageCb(CallbackData, prefix="ls"):
    """A status button under an application in a staff chat."""

    action: StageAction
    lead: Annotated[int, Field(ge=1, le=2**62)]
    stage: Stage = Stage.new
    reason: Reason = Reason.other


class CentreBroadcastAction(StrEnum):
    send = "send"
    cancel = "cancel"


class CentreBroadcastCb(CallbackData, prefix="cb"):
    """A centre admin's broadcast draft: send it to the centre's people, or drop it."""

    action: CentreBroadcastAction
