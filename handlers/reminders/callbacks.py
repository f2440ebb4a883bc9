"""Callback data of this feature. Every field is an enum or a range-checked value, so a forged
payload fails to parse and falls through to the stale-button handler."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class SettingsCb(CallbackData, prefix="st"):
    reminders: bool
