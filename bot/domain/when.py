"""A moment typed by a person, in their time zone: «завтра 10:00», «в пятницу 18:00», «через 2
часа», «31.12 09:00», «сегодня 21:30», «18:30», and in English «tomorrow 10:00», «friday 18:00»,
«in 2 hours». Pure: the caller gives the time zone and the current moment.

A moment already past is refused (`Problem.past`), never moved silently, except where the
words leave the day open: a bare «18:30» is the nearest such time (today or tomorrow), a
weekday is the nearest such day (today, if the time is still ahead), and a date without a
year more than half a year back means next year («05.01» typed in December)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Problem(StrEnum):
    unreadable = "unreadable"
    past = "past"


@dataclass(frozen=True, slots=True)
class Parsed:
    at: datetime | None  # UTC; None when there is a problem
    problem: Problem | None = None


# Monday = 0. Every form a person may type: nominative, accusative, short; English.
_WEEKDAYS: dict[str, int] = {}
for _day, _forms in enumerate(
    (
        "понедельник пн пон monday mon",
        "вторник вт вто tuesday tue tues",
        "среда среду ср wednesday wed",
        "четверг чт чет thursday thu thur thurs",
        "пятница пятницу пт пят friday fri",
        "суббота субботу сб суб saturday sat",
        "воскресенье вс воскр sunday sun",
    )
):
    for _form in _forms.split():
        _WEEKDAYS[_form] = _day

_RELATIVE_DAYS = {
    "сегодня": 0,
    "today": 0,
    "завтра": 1,
    "tomorrow": 1,
    "послезавтра": 2,
}

_UNITS: dict[str, timedelta] = {}
for _unit, _forms in (
    (timedelta(minutes=1), "мин минута минуту минуты минут min mins minute minutes m"),
    (timedelta(hours=1), "ч час часа часов hour hours h hr hrs"),
    (timedelta(days=1), "день дня дней day days d"),
):
    for _form in _forms.split():
        _UNITS[_form] = _unit

_CLOCK = r"(?:(?:в|at)\s+)?(?P<hour>\d{1,2})(?:[:.\s](?P<minute>\d{2}))?"
_DAY_WORD = re.compile(rf"^(?:(?:в|во|on)\s+)?(?P<day>[a-zа-я]+)\s*,?\s+{_CLOCK}$")
_DATE = re.compile(
    rf"^(?P<d>\d{{1,2}})[./](?P<m>\d{{1,2}})(?:[./](?P<y>\d{{2}}|\d{{4}}))?\s*,?\s+{_CLOCK}$"
)
_BARE = re.compile(rf"^{_CLOCK}$")
_AFTER = re.compile(r"^(?:через|in)\s+(?:(?P<n>\d{1,4})\s*)?(?:an?\s+)?(?P<unit>[a-zа-я]+)$")
_HALF_HOUR = {"через полчаса", "in half an hour"}
# A date without a year this far back means the same date next year.
_NEXT_YEAR_AFTER = timedelta(days=183)
_MAX_AHEAD = timedelta(days=400)


def _normal(text: str) -> str:
    text = text.lower().replace("ё", "е").strip().rstrip(".!")
    return re.sub(r"\s+", " ", text)


def _clock(match: re.Match[str]) -> tuple[int, int] | None:
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def parse_when(text: str, zone: str, now: datetime) -> Parsed:
    """`text` typed in `zone` at the moment `now` (aware) → the moment in UTC, or why not."""
    local_now = now.astimezone(ZoneInfo(zone)).replace(second=0, microsecond=0)
    exact_now = now.astimezone(ZoneInfo(zone))
    found = _read(_normal(text), local_now, exact_now)
    if found is None:
        return Parsed(None, Problem.unreadable)
    if found <= exact_now:
        return Parsed(None, Problem.past)
    if found - exact_now > _MAX_AHEAD:
        return Parsed(None, Problem.unreadable)
    return Parsed(found.astimezone(UTC))


def _at(day: date, clock: tuple[int, int], like: datetime) -> datetime:
    return datetime(day.year, day.month, day.day, *clock, tzinfo=like.tzinfo)


def _read(text: str, local_now: datetime, exact_now: datetime) -> datetime | None:
    for reader in (_after, _bare, _dated, _day_word):
        found = reader(text, local_now, exact_now)
        if found is not None:
            return found
    return None


def _after(text: str, local_now: datetime, _exact_now: datetime) -> datetime | None:
    """«через 2 часа», «через час», «через полчаса», «in 2 hours»."""
    if text in _HALF_HOUR:
        return local_now + timedelta(minutes=30)
    match = _AFTER.match(text)
    if match is None:
        return None
    unit = _UNITS.get(match["unit"])
    count = int(match["n"]) if match["n"] else 1
    return local_now + unit * count if unit is not None and count >= 1 else None


def _bare(text: str, local_now: datetime, exact_now: datetime) -> datetime | None:
    """«18:30»: the nearest such time, today or tomorrow."""
    match = _BARE.match(text)
    clock = _clock(match) if match else None
    if clock is None:
        return None
    when = _at(local_now.date(), clock, local_now)
    return (
        when if when > exact_now else _at(local_now.date() + timedelta(days=1), clock, local_now)
    )


def _dated(text: str, local_now: datetime, exact_now: datetime) -> datetime | None:
    """«31.12 09:00», «31.12.2026 09:00»."""
    match = _DATE.match(text)
    clock = _clock(match) if match else None
    if match is None or clock is None:
        return None
    year = match["y"]
    try:
        day = date(
            (2000 + int(year) if len(year) == 2 else int(year)) if year else local_now.year,
            int(match["m"]),
            int(match["d"]),
        )
        when = _at(day, clock, local_now)
        if year is None and exact_now - when > _NEXT_YEAR_AFTER:
            when = _at(day.replace(year=day.year + 1), clock, local_now)
    except ValueError:  # 31.02, or 29.02 of a year without it
        return None
    return when


def _day_word(text: str, local_now: datetime, exact_now: datetime) -> datetime | None:
    """«завтра 10:00», «в пятницу 18:00», «friday 18:00»."""
    match = _DAY_WORD.match(text)
    clock = _clock(match) if match else None
    if match is None or clock is None:
        return None
    today, word = local_now.date(), match["day"]
    if word in _RELATIVE_DAYS:
        return _at(today + timedelta(days=_RELATIVE_DAYS[word]), clock, local_now)
    if word not in _WEEKDAYS:
        return None
    ahead = (_WEEKDAYS[word] - today.weekday()) % 7
    when = _at(today + timedelta(days=ahead), clock, local_now)
    return when if when > exact_now else when + timedelta(days=7)


# --- examples shown to the person ------------------------------------------------------------

_WEEKDAY_RU = ("понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье")
_WEEKDAY_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def examples(zone: str, now: datetime, locale: str) -> list[str]:
    """Inputs to show as examples, computed from now so that each means a future moment:
    tomorrow morning, a weekday evening two to eight days ahead, in two hours, a date."""
    local = now.astimezone(ZoneInfo(zone))
    weekday = (local.weekday() + 2) % 7
    date_example = (local + timedelta(days=3)).strftime("%d.%m") + " 09:00"
    if locale == "en":
        return ["tomorrow 10:00", f"{_WEEKDAY_EN[weekday]} 18:00", "in 2 hours", date_example]
    preposition = "во" if weekday == 1 else "в"
    return [
        "завтра 10:00",
        f"{preposition} {_WEEKDAY_RU[weekday]} 18:00",
        "через 2 часа",
        date_example,
    ]
