"""Callback data of this feature. Every field is an enum or a range-checked value, so a forged
payload fails to parse and falls through to the stale-button handler."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field


class FreeAction(StrEnum):
    consult = "cs"  # pass the typed text (kept in the conversation data) to a consultant
    faq = "faq"  # show an FAQ answer
    occupation = "occ"  # show an occupation card


class FreeTextCb(CallbackData, prefix="ft"):
    action: FreeAction
    # An FAQ entry's or an occupation's id (ASCII, never a name).
    ref: Annotated[str, Field(pattern=r"^[a-z0-9_-]{0,24}$")] = ""
