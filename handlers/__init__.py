"""Routers in the order they are tried; the catch-all fallback comes last.

Each module lists its handlers in `create_router()`, which builds a fresh router on every
call: aiogram attaches a router to one dispatcher only, and the tests build many.
"""

from aiogram import Router

from bot.config import Settings
from handlers import (
    apply,
    centers,
    consult,
    errors,
    fallback,
    free_training,
    membership,
    menu,
    privacy,
    programs,
    quiz,
    reminders,
    start,
)
from handlers.admin import broadcast, catalogue, stats


def get_routers(settings: Settings) -> list[Router]:
    return [
        errors.create_router(),
        membership.create_router(),
        consult.create_relay_router(settings),  # a consultant's reply is never a person's input
        quiz.create_router(),  # quiz answers are the busiest path
        start.create_router(),
        menu.create_router(),
        privacy.create_router(),
        reminders.create_router(),
        centers.create_router(),
        programs.create_router(),
        apply.create_router(),
        free_training.create_router(),
        consult.create_router(),
        catalogue.create_router(),
        stats.create_router(),
        broadcast.create_router(),
        fallback.create_router(),
    ]
