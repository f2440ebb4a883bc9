"""Routers in the order they are tried; the catch-all fallback comes last.

Each module lists its handlers in `create_router()`, which builds a fresh router on every
call: aiogram attaches a router to one dispatcher only, and the tests build many.
"""

from aiogram import Router

from bot.config import Settings
from handlers.admin import broadcast, catalogue, faq, leads, stats
from handlers.admin import centre_broadcast as admin_centre_broadcast
from handlers.admin import centres as admin_centres
from handlers.classes import router as classes_router
from handlers.consult import lead_status
from handlers.consult import router as consult_router
from handlers.free_text import router as free_text_router
from handlers.free_training import router as free_training_router
from handlers.links import router as links_router
from handlers.occupations import router as occupations_router
from handlers.onboarding import about, errors, fallback, membership, menu, privacy, start
from handlers.places import router as places_router
from handlers.programs import apply
from handlers.programs import router as programs_router
from handlers.quiz import router as quiz_router
from handlers.reminders import router as reminders_router
from handlers.settings import router as settings_router


def get_routers(settings: Settings) -> list[Router]:
    return [
        errors.create_router(),
        membership.create_router(),
        # `/bind` and `/unbind` in a group, before the staff-chat relay takes group talk.
        admin_centres.create_group_router(),
        # A consultant's reply is never a person's input.
        consult_router.create_relay_router(settings),
        lead_status.create_router(),
        quiz_router.create_router(),  # quiz answers are the busiest path
        start.create_router(),
        about.create_router(),
        menu.create_router(),
        privacy.create_router(),
        settings_router.create_router(),
        reminders_router.create_router(),
        places_router.create_router(),
        programs_router.create_router(),
        apply.create_router(),
        free_training_router.create_router(),
        consult_router.create_router(),
        classes_router.create_router(),
        # Before the catalogue: a document while a broadcast draft waits for content is that
        # content, never a catalogue import.
        admin_centre_broadcast.create_router(),  # centre admins' broadcasts: one audience
        broadcast.create_router(),
        faq.create_router(),  # before the catalogue: a document after «Upload» is the FAQ
        catalogue.create_router(),
        stats.create_router(),
        leads.create_router(),
        links_router.create_router(),
        admin_centres.create_router(),
        occupations_router.create_router(),
        # Text typed where no step waits for an answer; then whatever nobody took.
        free_text_router.create_router(),
        fallback.create_router(),
    ]
