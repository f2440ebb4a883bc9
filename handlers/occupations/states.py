"""Keys this feature keeps in the conversation data."""

from enum import StrEnum


class OccupationData(StrEnum):
    # The ids of the last short list shown, so a card can lead back to it.
    chooser = "occupation_chooser"
    # The occupation whose programmes wait for the person's place.
    pending = "occupation_pending"
