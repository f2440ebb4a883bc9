"""Conversation states of this feature (stored durably, so they survive a restart) and the
keys it keeps in the conversation data."""

from enum import StrEnum

from aiogram.fsm.state import State, StatesGroup


class Apply(StatesGroup):
    phone = State()


class ProgramsData(StrEnum):
    # The code the list is built on when it is not the latest saved result: a field the person
    # picked or the code of a result shown without consent. None: the latest saved result.
    basis = "programs_basis"
    prefs_draft = "prefs_draft"  # answers to the three filter questions so far
    pending_program = "apply_program"  # the programme applied for, while the phone is asked
