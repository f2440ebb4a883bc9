"""Conversation states of links and classes."""

from aiogram.fsm.state import State, StatesGroup


class LinkDraft(StatesGroup):
    name = State()  # /links → «New link»: the next text is the link's name


class ClassDraft(StatesGroup):
    name = State()  # «New class»: the next text is the class's name
