"""Text typed where the bot is not waiting for a particular answer: a place, an occupation, a
question from the FAQ, a greeting, thanks, a complaint, a call for help — or «not sure I
understood» with the closest options and a consultant one tap away.

Registered just before the fallback and only without a conversation state: a quiz answer, a
place or a question for the consultant goes to its own step first.
"""

from __future__ import annotations

import logging
from html import escape
from typing import cast

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.domain.geo import PlaceKind, PlaceMatch
from bot.domain.intents import Candidate, Intent, role_in
from bot.runtime.reply import Talk
from bot.services.free_text import FAQ, OCC, Understanding
from bot.services.profile import Place, save_place, save_role
from bot.services.staff import remember_relay, staff_chats
from handlers.consult.router import start_consultation
from handlers.consult.view import TEXT_LIMIT, clip, person_label, question_header, quoted
from handlers.free_text import view
from handlers.free_text.callbacks import FreeAction, FreeTextCb
from handlers.free_text.states import FreeTextData
from handlers.occupations.router import show_occupations
from handlers.onboarding.menu import is_parent, menu_keyboard, send_menu
from handlers.onboarding.start import role_name, role_question
from handlers.onboarding.states import Onboarding
from handlers.onboarding.view import back_to_menu
from handlers.onboarding.view import roles as role_keyboard
from handlers.places import router as places_router
from handlers.places.view import capital, region_name
from storage.users import Role

logger = logging.getLogger(__name__)
MAX_KEPT = 3000  # characters of the typed text kept for the consultant
KEPT_FOR = frozenset({Intent.question, Intent.complaint, Intent.other})


def _occupation_name(talk: Talk, occupation_id: str) -> str | None:
    for occupation in talk.services.free_text.occupations:
        if occupation.id == occupation_id:
            return occupation.name_en if talk.locale == "en" else occupation.name_ru
    return None


def _options(talk: Talk, nearest: tuple[Candidate, ...]) -> list[tuple[FreeAction, str, str]]:
    found: list[tuple[FreeAction, str, str]] = []
    for candidate in nearest:
        if candidate.kind == FAQ:
            entry = talk.services.free_text.faq_entry(candidate.ref)
            if entry is not None:
                found.append((FreeAction.faq, entry.id, entry.question(talk.locale)))
        elif candidate.kind == OCC:
            name = _occupation_name(talk, candidate.ref)
            if name is not None:
                found.append((FreeAction.occupation, candidate.ref, name))
    return found[:3]


async def _keep_place(talk: Talk, match: PlaceMatch) -> None:
    """«повар в Казани»: the place is kept (as consent allows), so that «Programmes nearby»
    on the card looks there."""
    region = match.region
    if match.town is not None:
        place = Place(region.slug, match.town.lat, match.town.lon, "city", match.town.id)
        city = escape(match.town.name(talk.locale))
    else:
        precision = "city" if match.kind is PlaceKind.city else "region"
        place = Place(region.slug, region.lat, region.lon, precision)
        city = capital(region, talk.locale)
    await save_place(talk.services.db, talk.user_row, talk.state, place)
    name = escape(region_name(region, talk.locale))
    if place.precision == "region":
        await talk.send(_("Got it: {region}.").format(region=name))
    else:
        await talk.send(_("Got it: {city}, {region}.").format(city=city, region=name))


async def on_text(message: Message, talk: Talk) -> None:
    assert message.text is not None
    text = message.text
    understanding = await talk.services.free_text.understand(
        talk.services.db, talk.services.places, text
    )
    if understanding.intent in KEPT_FOR:  # answers that offer «pass it to a consultant»
        await talk.state.update_data({FreeTextData.typed: text[:MAX_KEPT]})
    await answer(talk, understanding)


async def answer(  # noqa: PLR0911 - one answer per intent
    talk: Talk, understanding: Understanding
) -> None:
    consult = bool(staff_chats(talk.services.settings))
    match understanding.intent:
        case Intent.place:
            if await places_router.offer_place_from_text(talk, understanding.text):
                if understanding.occupations:  # «повар в Казани»: the card follows
                    await show_occupations(talk.followed_up(), understanding.occupations)
                return
        case Intent.occupation:
            if understanding.occupations:
                if len(understanding.places) == 1:
                    await _keep_place(talk, understanding.places[0])
                await show_occupations(talk, understanding.occupations)
                return
        case Intent.question if understanding.faq is not None:
            entry = understanding.faq
            await talk.send(
                view.faq_text(entry, talk.locale), view.faq_keyboard(entry, consult=consult)
            )
            return
        case Intent.greeting:
            await talk.send(
                view.greeting_text(), await menu_keyboard(talk.state, parent=await is_parent(talk))
            )
            return
        case Intent.thanks:
            await talk.send(view.thanks_text(), back_to_menu())
            return
        case Intent.complaint:
            await talk.send(
                view.complaint_text(consult=consult), view.complaint_keyboard(consult=consult)
            )
            return
        case Intent.help:
            await talk.send(
                view.help_text(), await menu_keyboard(talk.state, parent=await is_parent(talk))
            )
            return
        case _:
            pass
    options = _options(talk, understanding.nearest)
    programs = understanding.programs[: max(0, 3 - len(options))]
    await talk.send(
        view.not_sure_text(
            understanding.text, has_options=bool(options or programs), consult=consult
        ),
        view.options_keyboard(options, programs=programs, consult=consult),
    )


async def on_option(_query: CallbackQuery, callback_data: FreeTextCb, talk: Talk) -> None:
    if callback_data.action is FreeAction.faq:
        await talk.services.free_text.refresh(talk.services.db)
        entry = talk.services.free_text.faq_entry(callback_data.ref)
        if entry is None:
            await talk.alert(view.faq_gone_text())
            await send_menu(talk.bot, talk.chat_id, talk.state)
            return
        consult = bool(staff_chats(talk.services.settings))
        await talk.show(
            view.faq_text(entry, talk.locale), view.faq_keyboard(entry, consult=consult)
        )
        return
    await show_occupations(talk, [callback_data.ref])  # an unknown id gets a clear answer


async def on_pass_to_consultant(query: CallbackQuery, talk: Talk) -> None:
    """The typed text goes to the consultants as a question; a reply to it comes back."""
    settings = talk.services.settings
    typed = (await talk.state.get_data()).get(FreeTextData.typed)
    if not isinstance(typed, str) or not typed.strip() or not staff_chats(settings):
        # Nothing kept (an old button), or no consultant: the ordinary consultation.
        await start_consultation(query, talk)
        return
    user = query.from_user
    name = " ".join(x for x in (user.first_name, user.last_name) if x)
    with talk.services.i18n.use_locale(settings.default_locale):
        header = question_header(person_label(user.id, name, user.username))
    body = f"{header}\n{quoted(clip(typed, TEXT_LIMIT - len(header) - 200))}"
    delivered = False
    for chat_id in staff_chats(settings):
        try:
            sent = await talk.bot.send_message(chat_id, body)
        except TelegramAPIError as error:
            logger.warning("A question could not be passed to chat %d: %s", chat_id, error.message)
            continue
        await remember_relay(talk.services.db, chat_id, [sent.message_id], user.id)
        delivered = True
    if not delivered:
        await talk.show(view.not_delivered_text(), back_to_menu())
        return
    await talk.state.update_data({FreeTextData.typed: None})
    await talk.show(view.passed_on_text(), back_to_menu())


async def on_text_at_role(message: Message, talk: Talk) -> None:
    """A typed answer is read rather than refused: «я в 9 классе» is the pupil's role, and
    «хочу стать сварщиком» or «сколько стоит?» gets its answer before the question again."""
    assert message.text is not None
    role = cast(Role | None, role_in(message.text))
    if role is not None:
        await save_role(talk.services.db, talk.user_row, talk.state, role)
        await talk.state.set_state(None)
        await talk.send(_("Got it: {role}.").format(role=role_name(role)))
        await send_menu(talk.bot, talk.chat_id, talk.state, parent=role == "parent")
        return
    understanding = await talk.services.free_text.understand(
        talk.services.db, talk.services.places, message.text
    )
    if understanding.intent in (Intent.occupation, Intent.question, Intent.place):
        await answer(talk, understanding)
        await talk.send(_("And who are you? Then I will suggest the right test."), role_keyboard())
        return
    await message.answer(_("Please choose with a button below 👇"))
    await message.answer(role_question(), reply_markup=role_keyboard())


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_text, StateFilter(None), F.text, ~F.text.startswith("/"))
    router.message.register(on_text_at_role, Onboarding.role, F.text, ~F.text.startswith("/"))
    router.callback_query.register(
        on_pass_to_consultant, FreeTextCb.filter(F.action == FreeAction.consult)
    )
    router.callback_query.register(on_option, FreeTextCb.filter())
    return router
