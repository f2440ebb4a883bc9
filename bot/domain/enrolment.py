"""Who a person is for enrolment: the age band they tell the bot (one tap, never a birth date)."""

from __future__ import annotations

from enum import StrEnum


class AgeBand(StrEnum):
    under14 = "u14"
    teen = "14_17"
    young = "18_34"
    middle = "35_49"
    senior = "50p"

    @property
    def min_age(self) -> int:
        return _RANGES[self][0]

    @property
    def max_age(self) -> int | None:
        return _RANGES[self][1]


_RANGES: dict[AgeBand, tuple[int, int | None]] = {
    AgeBand.under14: (0, 13),
    AgeBand.teen: (14, 17),
    AgeBand.young: (18, 34),
    AgeBand.middle: (35, 49),
    AgeBand.senior: (50, None),
}
