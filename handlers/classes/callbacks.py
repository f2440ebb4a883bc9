"""Callback data of the parents' and teachers' menu, classes and shared results. Every field
is an enum or an int; a class id is re-checked against its owner on every tap."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class ParentAction(StrEnum):
    menu = "menu"
    send_test = "send"
    new_class = "new"
    classes = "list"
    types = "types"


class ParentCb(CallbackData, prefix="pa"):
    action: ParentAction


class ClassAction(StrEnum):
    summary = "sum"
    link = "link"


class ClassCb(CallbackData, prefix="cl"):
    action: ClassAction
    id: int


class ShareAction(StrEnum):
    share = "share"
    revoke = "revoke"


class ShareCb(CallbackData, prefix="sh"):
    action: ShareAction
