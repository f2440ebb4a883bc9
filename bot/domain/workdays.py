"""Working days (Monday to Friday; public holidays are not known to the bot)."""

from __future__ import annotations

from datetime import datetime, timedelta


def working_days_back(now: datetime, days: int) -> datetime:
    """The moment `days` working days before `now`: a lead delivered before it has waited
    at least that many working days. Saturdays and Sundays do not count."""
    moment = now
    left = days
    while left > 0:
        moment -= timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment
