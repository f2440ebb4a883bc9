"""Typed moments for scheduled broadcasts: `bot.domain.when`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.when import Problem, examples, parse_when

MSK = "Europe/Moscow"
# Monday 30.11.2026, 12:15 in Moscow.
NOW = datetime(2026, 11, 30, 9, 15, 20, tzinfo=UTC)


def local(text: str, zone: str = MSK, now: datetime = NOW) -> str:
    parsed = parse_when(text, zone, now)
    assert parsed.at is not None, (text, parsed.problem)
    return parsed.at.astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("завтра 10:00", "01.12.2026 10:00"),
        ("Завтра в 10:00", "01.12.2026 10:00"),
        ("tomorrow 10:00", "01.12.2026 10:00"),
        ("tomorrow at 9", "01.12.2026 09:00"),
        ("послезавтра 8.30", "02.12.2026 08:30"),
        ("сегодня 21:30", "30.11.2026 21:30"),
        ("today 21:30", "30.11.2026 21:30"),
        ("в пятницу 18:00", "04.12.2026 18:00"),
        ("пятница 18:00", "04.12.2026 18:00"),
        ("friday 18:00", "04.12.2026 18:00"),
        ("on Friday 18:00", "04.12.2026 18:00"),
        ("во вторник в 9:05", "01.12.2026 09:05"),
        ("в понедельник 18:00", "30.11.2026 18:00"),  # today, still ahead
        ("в понедельник 10:00", "07.12.2026 10:00"),  # today's has passed: next week
        ("через 2 часа", "30.11.2026 14:15"),
        ("через час", "30.11.2026 13:15"),
        ("через 30 минут", "30.11.2026 12:45"),
        ("через полчаса", "30.11.2026 12:45"),
        ("in 2 hours", "30.11.2026 14:15"),
        ("in an hour", "30.11.2026 13:15"),
        ("через 3 дня", "03.12.2026 12:15"),
        ("31.12 09:00", "31.12.2026 09:00"),
        ("31.12.2026 09:00", "31.12.2026 09:00"),
        ("05.01 10:00", "05.01.2027 10:00"),  # a date months back means next year
        ("18:30", "30.11.2026 18:30"),
        ("10:00", "01.12.2026 10:00"),  # a bare time already past today: tomorrow
        ("в 18:30", "30.11.2026 18:30"),
    ],
)
def test_a_typed_moment_is_read_in_the_admins_zone(text: str, expected: str) -> None:
    assert local(text) == expected


def test_the_same_words_mean_the_admins_own_clock() -> None:
    at = parse_when("завтра 10:00", "Asia/Vladivostok", NOW).at
    assert at == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text", ["сегодня 09:00", "today 12:00", "27.11 10:00", "30.11.2026 12:15", "01.01.2020 10:00"]
)
def test_a_moment_in_the_past_is_refused_as_past(text: str) -> None:
    assert parse_when(text, MSK, NOW).problem is Problem.past


@pytest.mark.parametrize(
    "text",
    ["", "завтра", "когда-нибудь", "25:00", "завтра 10:61", "31.02 10:00", "через 0 часов",
     "в пятницу", "через 2 попугая", "32.12 10:00", "через 9999 дней"],
)  # fmt: skip
def test_nonsense_is_unreadable(text: str) -> None:
    assert parse_when(text, MSK, NOW).problem is Problem.unreadable


moments = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
    max_value=datetime(2035, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
zones = st.sampled_from([MSK, "Europe/Kaliningrad", "Asia/Yekaterinburg", "Asia/Kamchatka"])


@given(now=moments, zone=zones, locale=st.sampled_from(["ru", "en"]))
def test_every_example_shown_is_read_as_a_future_moment(
    now: datetime, zone: str, locale: str
) -> None:
    for text in examples(zone, now, locale):
        parsed = parse_when(text, zone, now)
        assert parsed.at is not None, (text, parsed.problem)
        assert parsed.at > now


@given(
    now=moments,
    zone=zones,
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    word=st.sampled_from(["завтра", "в среду", "friday", "сегодня", "", "через"]),
)
def test_whatever_is_accepted_is_in_the_future_and_at_the_typed_clock(
    now: datetime, zone: str, hour: int, minute: int, word: str
) -> None:
    text = f"{word} {hour}:{minute:02d}".strip()
    parsed = parse_when(text, zone, now)
    if parsed.at is None:
        assert parsed.problem is not None
        return
    assert parsed.at > now
    assert parsed.at - now <= timedelta(days=8)
    shown = parsed.at.astimezone(ZoneInfo(zone))
    assert (shown.hour, shown.minute) == (hour, minute)
