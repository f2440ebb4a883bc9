"""Keys this feature keeps in the conversation data."""

from enum import StrEnum


class EligibilityData(StrEnum):
    # The check in progress: {"ids": [question ids asked, in order], "answers": ["y", "n", …]};
    # None when it is over.
    check = "eligibility"
