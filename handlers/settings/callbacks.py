"""Callback data of /settings and of the news question. Every field is an enum or a bool, so a
forged payload fails to parse and falls through to the stale-button handler."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class NewsFrom(StrEnum):
    question = "q"  # the question after the first result
    settings = "s"


class NewsCb(CallbackData, prefix="nw"):
    on: bool
    source: NewsFrom
