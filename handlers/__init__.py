"""Routers in the order they are tried; the catch-all fallback comes last.

Each module lists its handlers in `create_router()`, which builds a fresh router on every
call: aiogram attaches a router to one dispatcher only, and the tests build many.
"""

from aiogram import Router

from handlers import errors, fallback, menu, privacy, quiz, start


def get_routers() -> list[Router]:
    return [
        errors.create_router(),
        quiz.create_router(),  # first: quiz answers are the busiest path
        start.create_router(),
        menu.create_router(),
        privacy.create_router(),
        fallback.create_router(),
    ]
