"""Callback data of /links (admins only; the admin filter re-checks every tap)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class LinksAction(StrEnum):
    new = "new"
    cancel = "cancel"
    list = "list"


class LinksCb(CallbackData, prefix="lk"):
    action: LinksAction
