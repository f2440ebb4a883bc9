"""The ranked list of programmes: shown from the menu, after the filters, after the age band
and status, and once the place is known (from the places feature)."""

from __future__ import annotations

from bot.domain.interests import Interests
from bot.domain.ranking import Preferences
from bot.runtime.reply import Talk
from bot.services.profile import (
    Place,
    current_age_band,
    current_place,
    current_prefs,
    current_role,
    current_status,
)
from bot.services.recommendations import basis_of, person_for, programmes_page
from handlers.onboarding.about import ask_age_band, ask_status
from handlers.onboarding.callbacks import AboutNext
from handlers.places.prompt import ask_place
from handlers.places.states import AfterPlace
from handlers.places.view import Home
from handlers.programs import view
from handlers.programs.states import ProgramsData
from handlers.quiz import view as quiz_view


async def show_programs(talk: Talk, *, place: Place | None = None, page: int = 0) -> None:
    """The list needs a basis, the age band and status (who may enrol), the filters and, for
    in-person programmes, a place: whatever is missing is asked first, one tap at a time."""
    services = talk.services
    chosen = (await talk.state.get_data()).get(ProgramsData.basis)
    basis = await basis_of(services.db, talk.user_row, talk.state, chosen)
    if basis is None:
        await talk.show(view.no_basis_text(), view.fields_keyboard())
    elif basis.flat:  # nothing to rank on: ways to explore, and a field to pick
        await talk.show(quiz_view.flat_programs_text(), quiz_view.explore_keyboard())
    elif await _asked_who(talk):
        pass
    elif (prefs := await current_prefs(talk.user_row, talk.state)) is None:
        await talk.show(view.length_question(), view.length_keyboard())
    else:
        await _show_list(talk, basis, prefs, place, page)


async def _asked_who(talk: Talk) -> bool:
    """Ask the age band, then the status, when not known yet (a school student's status is
    known from the role). True when a question was asked."""
    if await current_age_band(talk.user_row, talk.state) is None:
        await ask_age_band(talk, AboutNext.programs)
        return True
    role = await current_role(talk.user_row, talk.state)
    if role != "student" and await current_status(talk.user_row, talk.state) is None:
        await ask_status(talk, AboutNext.programs)
        return True
    return False


async def _show_list(
    talk: Talk, basis: Interests, prefs: Preferences, place: Place | None, page: int
) -> None:
    services = talk.services
    place = place or await current_place(talk.user_row, talk.state)
    person = person_for(
        basis,
        place,
        await current_role(talk.user_row, talk.state),
        age_band=await current_age_band(talk.user_row, talk.state),
        status=await current_status(talk.user_row, talk.state),
        reach_km=services.settings.reach_km,
    )
    found = await programmes_page(services.db, services.recommender, person, prefs, page)
    basis_line = view.basis_line(basis, services.quizzes.text(talk.locale, "klimov"))
    home = Home.of(place)
    if found.needs_place:
        if found.items:
            await talk.show(
                view.online_first_text(found.items, found.number, prefs, basis_line),
                view.programs_keyboard(found.items, found.number, found.has_next),
            )
        await ask_place(talk.followed_up() if found.items else talk, AfterPlace.programs)
    elif found.nothing_near:
        nearest = found.nearest
        await talk.show(
            view.nothing_near_text(
                found.items,
                found.number,
                prefs,
                basis_line,
                services.places.by_slug(home.slug) if home.slug else None,
                person.reach_km,
                nearest,
                home,
                talk.locale,
            ),
            view.nothing_near_keyboard(
                found.items, found.number, found.has_next, nearest[0] if nearest else None
            ),
        )
    elif not found.items:
        await talk.show(view.no_programs_text(prefs), view.no_programs_keyboard())
    else:
        await talk.show(
            view.programs_page_text(found.items, found.number, prefs, basis_line, home),
            view.programs_keyboard(found.items, found.number, found.has_next),
        )
