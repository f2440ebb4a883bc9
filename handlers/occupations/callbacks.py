"""Callback data of this feature. The occupation id is checked against the catalogue by the
handler: a forged or removed id gets a clear answer, never a traceback."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field


class OccupationAction(StrEnum):
    card = "c"  # in place of the tapped message (a chooser, a programme list)
    open = "o"  # in a new message (under a test result, which stays readable)
    programmes = "p"  # programmes within reach
    consult = "a"  # ask a consultant
    chooser = "l"  # back to the short list


class OccupationCb(CallbackData, prefix="oc"):
    action: OccupationAction
    occupation: Annotated[str, Field(max_length=24)] = ""
