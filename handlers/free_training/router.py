"""The free-training check: one-tap questions over the categories of the federal programme,
then an honest answer, the steps, and where to go."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.domain.eligibility import next_question
from bot.runtime.reply import Talk
from bot.services.centers import nearest_center
from bot.services.profile import current_place
from handlers.free_training import view
from handlers.free_training.callbacks import EligibilityCb
from handlers.free_training.states import EligibilityData
from handlers.onboarding.callbacks import MoreAction, MoreCb


async def on_free(_event: Message | CallbackQuery, talk: Talk) -> None:
    await talk.state.update_data({EligibilityData.answers: []})
    rules = talk.services.eligibility
    await talk.show(view.question_text(rules, 0, talk.locale), view.question_keyboard(0))


async def on_answer(_query: CallbackQuery, callback_data: EligibilityCb, talk: Talk) -> None:
    rules = talk.services.eligibility
    saved = (await talk.state.get_data()).get(EligibilityData.answers)
    answers = [bool(a) for a in saved] if isinstance(saved, list) else None
    current = next_question(rules, answers) if answers is not None else None
    if answers is None or current is None:
        await talk.show(_("This check is over. Start it again?"), view.restart_keyboard())
        return
    if callback_data.index != current:
        # An old message or a forged index: show where the check really is.
        await talk.show(
            view.question_text(rules, current, talk.locale),
            view.question_keyboard(current),
            notice=_("That question is already answered."),
        )
        return
    answers.append(callback_data.yes)
    await talk.state.update_data({EligibilityData.answers: answers})
    following = next_question(rules, answers)
    if following is not None:
        await talk.show(
            view.question_text(rules, following, talk.locale), view.question_keyboard(following)
        )
        return
    await talk.state.update_data({EligibilityData.answers: None})
    text = view.verdict_text(rules, answers, talk.locale)
    place = await current_place(talk.user_row, talk.state)
    if place is not None:
        center, distance = await nearest_center(talk.services.db, place.lat, place.lon)
        text += "\n\n" + view.nearest_center_line(center, distance, place.region_slug)
    await talk.show(text, view.verdict_keyboard())


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_free, Command("free"))
    router.callback_query.register(on_free, MoreCb.filter(F.action == MoreAction.free))
    router.callback_query.register(on_answer, EligibilityCb.filter())
    return router
