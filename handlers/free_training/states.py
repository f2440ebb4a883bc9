"""Keys this feature keeps in the conversation data."""

from enum import StrEnum


class EligibilityData(StrEnum):
    answers = "eligibility"  # yes/no answers of the check so far; None when it is over
