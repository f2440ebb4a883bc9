"""The keys this feature keeps in the conversation data."""

from enum import StrEnum


class FreeTextData(StrEnum):
    typed = "ft_typed"  # the last free text, for «pass it to a consultant»
