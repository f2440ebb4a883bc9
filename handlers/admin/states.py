"""Conversation states of this feature (stored durably, so they survive a restart) and the
keys it keeps in the conversation data."""

from enum import StrEnum

from aiogram.fsm.state import State, StatesGroup


class BroadcastDraft(StatesGroup):
    content = State()
    audience = State()
    schedule = State()


class CatalogueImport(StatesGroup):
    file = State()  # after /catalogue: a document is a catalogue to import


class DraftData(StrEnum):
    source = "bc_source"  # [chat id, message id] of the message to copy
    segment = "bc_segment"  # the chosen audience, as `Segment.to_json()`
    sources = "bc_sources"  # deep-link sources in the picker: a button carries the number


class FaqImport(StatesGroup):
    file = State()  # after «Upload» under /faq: a document is the new FAQ


class CentreAdmins(StatesGroup):
    search = State()  # after /centres: a text is a search for a centre
    add_admin = State()  # a forwarded message, a contact or an id is the new centre admin


class CentreData(StrEnum):
    centre = "cn_centre"  # the centre whose admin is being added


class CentreBroadcast(StatesGroup):
    content = State()  # a centre admin's /broadcast: the next message is the content
    confirm = State()


class CentreBroadcastData(StrEnum):
    source = "cb_source"  # [chat id, message id] of the message to copy
