"""Callback data of this feature. Every field is an enum or a range-checked value, so a forged
payload fails to parse and falls through to the stale-button handler."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from bot.domain.eligibility import Answer
from bot.domain.enrolment import AgeBand


class EligibilityCb(CallbackData, prefix="el"):
    """An answer to question `index` of the free-training check."""

    index: int
    answer: Answer


class FreeAgeCb(CallbackData, prefix="ela"):
    """The age band, asked before the check when it is not known yet; no band: ask it again."""

    band: AgeBand | None = None
