"""Who may enrol in a programme: the person's age band and status, and the rules on the
programme's age range and enrolment window (`bot.domain.ranking.may_enrol` puts them together
with the audience, statuses and residence). Pure: no aiogram, no storage.

The person gives an age band, not an age, so an age limit admits a band only when the whole
band is inside it: a course from 18 is never shown to someone of "14–17", and a course up to 35
never to someone of "35–49". Whatever is unknown about the person never admits them to a
programme that has a rule about it: recommendations never show what the person may not enrol in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum


class AgeBand(StrEnum):
    under14 = "u14"  # до 14
    teen = "14_17"  # 14–17
    young = "18_34"  # 18–34
    middle = "35_49"  # 35–49
    senior = "50p"  # 50+

    @property
    def min_age(self) -> int:
        return _AGES[self][0]

    @property
    def max_age(self) -> int | None:
        return _AGES[self][1]


_AGES: dict[AgeBand, tuple[int, int | None]] = {
    AgeBand.under14: (0, 13),
    AgeBand.teen: (14, 17),
    AgeBand.young: (18, 34),
    AgeBand.middle: (35, 49),
    AgeBand.senior: (50, None),
}
# The oldest age any rule mentions; the open band "50+" is taken to reach it.
OLDEST = 120


class Status(StrEnum):
    school = "school"  # школьник
    student = "student"  # студент колледжа или вуза
    working = "working"  # работаю
    not_working = "not_working"  # не работаю
    parental_leave = "parental_leave"  # в отпуске по уходу за ребёнком
    retired = "retired"  # на пенсии


STATUS_BITS: dict[Status, int] = {s: 1 << i for i, s in enumerate(Status)}


def status_mask(statuses: Iterable[Status]) -> int:
    return sum(STATUS_BITS[s] for s in set(statuses))


ADULT_BANDS: frozenset[AgeBand] = frozenset({AgeBand.young, AgeBand.middle, AgeBand.senior})


def ages_admit(band: AgeBand | None, min_age: int | None, max_age: int | None) -> bool:
    """True when everyone in the band is within the programme's age range."""
    if min_age is None and max_age is None:
        return True
    if band is None:
        return False
    if min_age is not None and band.min_age < min_age:
        return False
    top = band.max_age if band.max_age is not None else OLDEST
    return max_age is None or top <= max_age


def window_open(enroll_until: date | None, today: date | None) -> bool:
    """Enrolment has not ended (a window that has not opened yet is shown with its date)."""
    return enroll_until is None or today is None or enroll_until >= today
