"""Conversation states (stored in SQLite, so they survive a restart)."""

from aiogram.fsm.state import State, StatesGroup


class Onboarding(StatesGroup):
    consent = State()
    role = State()


class Quiz(StatesGroup):
    answering = State()


class Place(StatesGroup):
    waiting = State()


class Apply(StatesGroup):
    phone = State()


class Consult(StatesGroup):
    talking = State()


class BroadcastDraft(StatesGroup):
    content = State()
    audience = State()
    schedule = State()
