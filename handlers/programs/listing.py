"""The ranked list of programmes: shown from the menu, after the filters, and once the place
is known (from the places feature)."""

from __future__ import annotations

from bot.domain.ranking import FormatChoice
from bot.runtime.reply import Talk
from bot.services.profile import Place, current_place, current_prefs, current_role
from bot.services.recommendations import basis_of, person_for, programmes_page
from handlers.places.prompt import ask_place
from handlers.places.states import AfterPlace
from handlers.programs import view
from handlers.programs.states import ProgramsData
from handlers.quiz import view as quiz_view


async def show_programs(talk: Talk, *, place: Place | None = None, page: int = 0) -> None:
    """The list needs a basis, the filters and (unless online only) a place: whatever is
    missing is asked first."""
    services = talk.services
    chosen = (await talk.state.get_data()).get(ProgramsData.basis)
    basis = await basis_of(services.db, talk.user_row, talk.state, chosen)
    if basis is None:
        await talk.show(view.no_basis_text(), view.fields_keyboard())
        return
    if basis.flat:  # no list to rank on: ways to explore, and a field to pick
        await talk.show(quiz_view.flat_programs_text(), quiz_view.explore_keyboard())
        return
    prefs = await current_prefs(talk.user_row, talk.state)
    if prefs is None:
        await talk.show(view.length_question(), view.length_keyboard())
        return
    place = place or await current_place(talk.user_row, talk.state)
    if place is None and prefs.format is not FormatChoice.online:
        await ask_place(talk, AfterPlace.programs)
        return
    person = person_for(basis, place, await current_role(talk.user_row, talk.state))
    found = await programmes_page(services.db, services.recommender, person, prefs, page)
    if not found.items:
        await talk.show(view.no_programs_text(prefs), view.no_programs_keyboard())
        return
    home = place.region_slug if place else None
    await talk.show(
        view.programs_page_text(
            found.items,
            found.number,
            prefs,
            view.basis_line(basis, services.quizzes.text(talk.locale, "klimov")),
            home,
        ),
        view.programs_keyboard(found.items, found.number, found.has_next),
    )
