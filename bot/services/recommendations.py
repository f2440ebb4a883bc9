"""Programmes for a person: what the list is built on (a test result or a chosen field), who
the person is for ranking, and one page of the ranked list."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.catalogue import RIASEC, Center, Program
from bot.domain.offer_index import Recommender
from bot.domain.ranking import (
    Person,
    Preferences,
    Ranked,
    Vector,
    rate_one,
    role_audience,
    unit,
    valid_code,
    vector_from_code,
    vector_from_scores,
)
from bot.services.profile import Place
from storage.db import Database
from storage.users import UserRow

PAGE_SIZE = 5
MAX_PAGES = 10


@dataclass(frozen=True, slots=True)
class Basis:
    """The interest vector a list is built on, and the type letters it comes from."""

    vector: Vector
    letters: str  # one letter: a field the person picked; more: a test result's code

    @property
    def is_field(self) -> bool:
        return len(self.letters) == 1


async def basis_of(db: Database, user_row: UserRow, chosen: object) -> Basis | None:
    """`chosen`: the code the person asked for (a field, or the code of a result shown without
    consent); without one, the latest saved result. None: nothing is known of the interests."""
    letters = valid_code(str(chosen or ""))
    if letters is not None:
        return Basis(vector_from_code(letters), letters)
    if user_row.has_consent:
        async with db.autocommit() as repos:
            row = await repos.results.latest(user_row.id)
        if row is not None and any(vector := vector_from_scores(row.vector)):
            top = sorted(RIASEC, key=lambda t: -row.vector.get(t, 0.0))[:3]
            return Basis(vector, "".join(top))
    return None


def person_for(basis: Basis, place: Place | None, role: str | None) -> Person:
    return Person(
        vector=unit(basis.vector),
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
    basis: Basis | None, program: Program, center: Center | None, place: Place | None
) -> Ranked | None:
    """How well the programme fits the person and how far it is, for its card."""
    if basis is None:
        return None
    return rate_one(
        basis.vector,
        program,
        (center.lat, center.lon) if center else None,
        (place.lat, place.lon) if place else None,
    )
