"""Callback data of this feature. Every field is an enum or a range-checked value, so a forged
payload fails to parse and falls through to the stale-button handler."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


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
