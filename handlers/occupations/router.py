"""Occupations: a card (what the work is, the types it suits, the ways to get there), a short
chooser when several fit, the programmes within reach for one, and a way to a consultant.

`show_occupations` is the entry for other features (free text, search); a test result's
buttons open cards in new messages so the result stays readable."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Router
from aiogram.types import CallbackQuery

from bot.domain.occupations import Occupation, get_occupation
from bot.runtime.reply import Talk
from bot.services.occupations import occupation_programmes
from bot.services.profile import (
    Place,
    current_age_band,
    current_place,
    current_prefs,
    current_role,
    current_status,
)
from handlers.consult.router import start_consultation
from handlers.occupations import view
from handlers.occupations.callbacks import OccupationAction, OccupationCb
from handlers.occupations.states import OccupationData
from handlers.onboarding.view import back_to_menu
from handlers.places.prompt import ask_place
from handlers.places.states import AfterPlace
from handlers.places.view import Home

CHOOSER_SIZE = 8


def _known(ids: Sequence[str]) -> list[Occupation]:
    found = (get_occupation(i) for i in dict.fromkeys(ids))
    return [o for o in found if o is not None][:CHOOSER_SIZE]


async def show_occupations(talk: Talk, ids: Sequence[str]) -> None:
    """One card, or a short chooser for several; unknown ids are left out (none known: a
    clear answer with the menu)."""
    occupations = _known(ids)
    if not occupations:
        await talk.show(view.unknown_text(), back_to_menu())
    elif len(occupations) == 1:
        await talk.state.update_data({OccupationData.chooser: None})
        await _show_card(talk, occupations[0], from_chooser=False)
    else:
        await talk.state.update_data({OccupationData.chooser: [o.id for o in occupations]})
        await talk.show(view.chooser_text(), view.chooser_keyboard(occupations, talk.locale))


async def _show_card(talk: Talk, occupation: Occupation, *, from_chooser: bool) -> None:
    quizzes = talk.services.quizzes
    await talk.show(
        view.card_text(
            occupation,
            talk.locale,
            quizzes.text(talk.locale, "riasec"),
            quizzes.text(talk.locale, "klimov"),
        ),
        view.card_keyboard(occupation, from_chooser=from_chooser),
    )


async def _chooser_ids(talk: Talk) -> list[str]:
    saved = (await talk.state.get_data()).get(OccupationData.chooser)
    return [str(i) for i in saved] if isinstance(saved, list) else []


async def on_occupation(query: CallbackQuery, callback_data: OccupationCb, talk: Talk) -> None:
    action = callback_data.action
    if action is OccupationAction.chooser:
        ids = await _chooser_ids(talk)
        if len(_known(ids)) > 1:
            await show_occupations(talk, ids)
        else:  # the list is gone (another one replaced it, or the data were cleared)
            await talk.show(view.unknown_text(), back_to_menu())
        return
    occupation = get_occupation(callback_data.occupation)
    if occupation is None:
        await talk.show(view.unknown_text(), back_to_menu())
    elif action is OccupationAction.open:
        await query.answer()
        await _show_card(talk.followed_up(), occupation, from_chooser=False)
    elif action is OccupationAction.card:
        from_chooser = occupation.id in await _chooser_ids(talk)
        await _show_card(talk, occupation, from_chooser=from_chooser)
    elif action is OccupationAction.programmes:
        await show_occupation_programmes(talk, occupation)
    else:
        await query.answer()
        await start_consultation(query, talk.followed_up())


async def show_occupation_programmes(
    talk: Talk, occupation: Occupation, place: Place | None = None
) -> None:
    """The programmes within reach for the occupation; the place is asked for first when not
    known (online ones are shown meanwhile), and the list follows once it is."""
    place = place or await current_place(talk.user_row, talk.state)
    found = await occupation_programmes(
        talk.services.db,
        occupation,
        place,
        await current_role(talk.user_row, talk.state),
        age_band=await current_age_band(talk.user_row, talk.state),
        status=await current_status(talk.user_row, talk.state),
        prefs=await current_prefs(talk.user_row, talk.state),
        reach_km=talk.services.settings.reach_km,
    )
    home = Home.of(place)
    if found.needs_place:
        await talk.state.update_data({OccupationData.pending: occupation.id})
        if found.items:
            await talk.show(
                view.programmes_text(occupation, talk.locale, found.items, home, online_only=True),
                view.programmes_keyboard(occupation, found.items),
            )
        await ask_place(talk.followed_up() if found.items else talk, AfterPlace.occupation)
    elif not found.items:
        await talk.show(
            view.nothing_text(occupation, talk.locale, found.elsewhere, found.nearest, home),
            view.programmes_keyboard(occupation, found.items),
        )
    else:
        await talk.show(
            view.programmes_text(occupation, talk.locale, found.items, home, online_only=False),
            view.programmes_keyboard(occupation, found.items),
        )


async def show_pending_programmes(talk: Talk, place: Place) -> None:
    """Once the place is known: the programmes of the occupation that waited for it."""
    pending = (await talk.state.get_data()).get(OccupationData.pending)
    await talk.state.update_data({OccupationData.pending: None})
    occupation = get_occupation(str(pending or ""))
    if occupation is None:
        await talk.show(view.unknown_text(), back_to_menu())
        return
    await show_occupation_programmes(talk, occupation, place)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_occupation, OccupationCb.filter())
    return router
