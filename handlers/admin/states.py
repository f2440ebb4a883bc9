"""Conversation states of this feature (stored durably, so they survive a restart)."""

from aiogram.fsm.state import State, StatesGroup


class BroadcastDraft(StatesGroup):
    content = State()
    audience = State()
    schedule = State()
