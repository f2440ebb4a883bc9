"""Callback data of this feature. Every field is an enum or a range-checked value, so a forged
payload fails to parse and falls through to the stale-button handler."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class PlaceAction(StrEnum):
    districts = "d"
    district = "dd"
    region = "r"
    town = "t"  # a settlement of an ambiguous name: `index` is its GeoNames id
    retype = "again"  # type the place again
    cancel = "x"  # no place for now


class PlaceCb(CallbackData, prefix="pl"):
    """`index` is a federal district's number in the picker or a settlement's GeoNames id;
    `slug` a region's id."""

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
