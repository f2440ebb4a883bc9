"""`Services`: every application-scoped object a handler, filter or hook may need, in one typed
value. `bot.app.create_dispatcher` builds it once and passes it as `Dispatcher(services=...)`;
handlers take `services: Services` (or reach it through `Talk`)."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.utils.i18n import I18n

from bot.config import Settings
from bot.domain.eligibility import EligibilityRules
from bot.domain.geo import PlaceIndex
from bot.domain.offer_index import Recommender
from bot.domain.quiz.content import QuizCatalog
from bot.runtime.middlewares import InFlightMiddleware
from bot.services.free_text import FreeText
from bot.workers.broadcaster import Broadcaster
from bot.workers.lead_flags import LeadFlagger
from bot.workers.lease import LeaseKeeper
from bot.workers.outbox import LeadOutbox
from bot.workers.reminders import ReminderSender
from storage.db import Database


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    db: Database
    i18n: I18n
    quizzes: QuizCatalog
    places: PlaceIndex
    recommender: Recommender
    eligibility: EligibilityRules
    free_text: FreeText  # what people type where nothing particular was asked
    broadcaster: Broadcaster
    reminder_sender: ReminderSender
    lead_outbox: LeadOutbox  # delivers applications to the staff, retrying until they arrive
    lease: LeaseKeeper
    lead_flagger: LeadFlagger  # tells a centre's admins about applications nobody touched
    in_flight: InFlightMiddleware  # counts updates being handled, for a graceful shutdown
