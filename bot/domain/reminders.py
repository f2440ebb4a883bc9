"""When reminders may arrive: between 10:00 and 20:00 in the person's region time zone
(Moscow time when unknown), at most one a day. Pure time arithmetic; the sender lives in
`bot.workers.reminders`, the planning in `bot.services.reminders`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Europe/Moscow"
DAY_STARTS = time(10, 0)
DAY_ENDS = time(20, 0)
QUIZ_NUDGE_AFTER = timedelta(hours=24)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def daytime(moment: datetime, zone: str) -> datetime:
    """The earliest moment at or after `moment` between 10:00 and 20:00 local time."""
    tz = ZoneInfo(zone)
    local = moment.astimezone(tz)
    if local.time() < DAY_STARTS:
        local = datetime.combine(local.date(), DAY_STARTS, tz)
    elif local.time() >= DAY_ENDS:
        local = datetime.combine(local.date() + timedelta(days=1), DAY_STARTS, tz)
    return local.astimezone(UTC)


def when_to_send(
    due: datetime, now: datetime, zone: str | None, last_sent: datetime | None
) -> datetime:
    """When a due reminder may go: now, later today, or on another day (one a day)."""
    tz_name = zone or DEFAULT_TIMEZONE
    moment = daytime(max(due, now), tz_name)
    tz = ZoneInfo(tz_name)
    if last_sent is not None and last_sent.astimezone(tz).date() >= moment.astimezone(tz).date():
        next_day = last_sent.astimezone(tz).date() + timedelta(days=1)
        moment = datetime.combine(next_day, DAY_STARTS, tz).astimezone(UTC)
    return moment


def programme_reminder_due(start: date, zone: str | None, now: datetime) -> datetime | None:
    """10:00 local on the day before the start; None when that moment has passed."""
    tz = ZoneInfo(zone or DEFAULT_TIMEZONE)
    moment = datetime.combine(start - timedelta(days=1), DAY_STARTS, tz).astimezone(UTC)
    return moment if moment > now else None
