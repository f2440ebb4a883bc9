"""Programmes for a person: what the list is built on (a test result or a chosen field), who
the person is for ranking, and one page of the ranked list."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.catalogue import Center, Program
from bot.domain.interests import (
    Interests,
    code_interests,
    field_interests,
    interests_from_scores,
)
from bot.domain.offer_index import Recommender
from bot.domain.ranking import (
    Person,
    Preferences,
    Ranked,
    rate_one,
    role_audience,
    unit,
    valid_code,
)
from bot.services.profile import ConversationData, Place
from bot.services.results import latest_scores
from storage.db import Database
from storage.users import UserRow

PAGE_SIZE = 5
MAX_PAGES = 10
# How an older result button that carried only a code weighs its letters.
LEGACY_CODE_WEIGHTS = (1.0, 0.6, 0.35)


async def basis_of(
    db: Database, user_row: UserRow, conversation: ConversationData, chosen: object
) -> Interests | None:
    """What the person's list is built on — the one function both the button under a result
    and `/programs` use. `chosen`: a field the person picked (one letter) wins; otherwise the
    scores of the latest result (saved with consent, kept in the conversation without); an
    older button's code only when no result is left. None: nothing is known of the interests.
    A flat result gives `Interests(flat=True)`: ways to explore, not a list."""
    letters = valid_code(str(chosen or ""))
    if letters is not None and len(letters) == 1:
        return field_interests(letters)
    latest = await latest_scores(db, user_row, conversation)
    if latest is not None and (found := interests_from_scores(*latest)) is not None:
        return found
    if letters is not None:
        return code_interests(letters, LEGACY_CODE_WEIGHTS)
    return None


def person_for(basis: Interests, place: Place | None, role: str | None) -> Person:
    return Person(
        vector=unit(basis.riasec or (0.0,) * 6),
        lat=place.lat if place else None,
        lon=place.lon if place else None,
        audience=role_audience(role),
    )


@dataclass(frozen=True, slots=True)
class ProgrammePage:
    number: int  # from 0
    items: list[tuple[Ranked, Program, Center | None]]
    has_next: bool


async def programmes_page(
    db: Database, recommender: Recommender, person: Person, prefs: Preferences, page: int
) -> ProgrammePage:
    """Page `page` of the ranked list; the first page when that one is past the end."""
    page = max(0, min(page, MAX_PAGES - 1))
    async with db.autocommit() as repos:
        wanted = (page + 1) * PAGE_SIZE + 1
        ranked = await recommender.top(repos.catalogue, person, prefs, wanted)
        if len(ranked) <= page * PAGE_SIZE:
            page = 0
        shown = ranked[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        programs = await repos.catalogue.programs([r.offer.program_id for r in shown])
        centers = await repos.catalogue.centers(
            [r.offer.center_id for r in shown if r.offer.center_id]
        )
    items = [
        (r, programs[r.offer.program_id], centers.get(r.offer.center_id or "")) for r in shown
    ]
    return ProgrammePage(page, items, has_next=len(ranked) > (page + 1) * PAGE_SIZE)


async def program_and_center(
    db: Database, program_id: str
) -> tuple[Program | None, Center | None]:
    """A programme and its centre (None online, or when either is gone)."""
    async with db.autocommit() as repos:
        program = await repos.catalogue.program(program_id)
        center = (
            await repos.catalogue.center(program.center_id)
            if program is not None and program.center_id
            else None
        )
    return program, center


def rate_for_card(
    basis: Interests | None, program: Program, center: Center | None, place: Place | None
) -> Ranked | None:
    """How well the programme fits the person and how far it is, for its card."""
    if basis is None or basis.riasec is None:
        return None
    return rate_one(
        basis.riasec,
        program,
        (center.lat, center.lon) if center else None,
        (place.lat, place.lon) if place else None,
    )
