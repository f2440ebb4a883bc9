"""Conversation states of this feature (stored durably, so they survive a restart) and the
keys it keeps in the conversation data."""

from enum import StrEnum

from aiogram.fsm.state import State, StatesGroup


class Place(StatesGroup):
    waiting = State()


class PlacesData(StrEnum):
    after_place = "after_place"  # an `AfterPlace`: what to show once the place is known


class AfterPlace(StrEnum):
    centers = "centers"
    programs = "programs"
    occupation = "occupation"  # the programmes of the occupation the person looked at
