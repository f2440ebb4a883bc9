"""Programmes for a person: what the list is built on (a test result or a chosen field), who
the person is for ranking (interests, place, age band, status), and one page of the list —
or, when nothing fits within reach, the honest answer with what to do instead."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.catalogue import Center, Program
from bot.domain.enrolment import AgeBand, Status
from bot.domain.interests import (
    Interests,
    code_interests,
    field_interests,
    interests_from_scores,
)
from bot.domain.offer_index import Recommender
from bot.domain.ranking import (
    MIN_FIT,
    REACH_KM,
    FormatChoice,
    Person,
    Preferences,
    Ranked,
    audiences_of,
    emphasised,
    klimov_from_scores,
    known_to_exclude,
    nearest,
    rate_one,
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


MOSCOW = ZoneInfo("Europe/Moscow")


def today() -> date:
    """The date enrolment windows are compared with (Moscow time: the centres' deadlines)."""
    return datetime.now(MOSCOW).date()


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


def person_for(
    basis: Interests,
    place: Place | None,
    role: str | None,
    *,
    age_band: AgeBand | None = None,
    status: Status | None = None,
    on: date | None = None,
    reach_km: float = REACH_KM,
) -> Person:
    """The person as ranking sees them. A school student's status is "school" until they say
    otherwise."""
    if status is None and role == "student":
        status = Status.school
    return Person(
        vector=emphasised(basis.riasec or (0.0,) * 6),
        lat=place.lat if place else None,
        lon=place.lon if place else None,
        audience=audiences_of(age_band, status, role),
        klimov=klimov_from_scores(basis.klimov) if basis.klimov else None,
        region_slug=place.region_slug if place else None,
        age_band=age_band,
        status=status,
        today=on or today(),
        reach_km=reach_km,
        min_fit=MIN_FIT,
    )


@dataclass(frozen=True, slots=True)
class ProgrammePage:
    number: int  # from 0
    items: list[tuple[Ranked, Program, Center | None]]
    has_next: bool
    # Nothing in person fits within reach, so `items` are online programmes (maybe none).
    nothing_near: bool = False
    # The person's place is not known: `items` are online programmes, in-person ones wait.
    needs_place: bool = False
    nearest: tuple[Center, float] | None = None  # the nearest centre and its distance, in km


async def programmes_page(
    db: Database, recommender: Recommender, person: Person, prefs: Preferences, page: int
) -> ProgrammePage:
    """Page `page` of the list; the first page when that one is past the end.

    In-person programmes are listed only within reach. When the person wants them (in person,
    or either) but none fits within reach, the list holds the online programmes that fit and
    the page carries the nearest centre: the honest answer with what to do instead. Without a
    place, the online programmes are listed (unless the person wants in-person only) and the
    place is asked for."""
    page = max(0, min(page, MAX_PAGES - 1))
    online = replace(prefs, format=FormatChoice.online)
    wants_in_person = prefs.format is not FormatChoice.online
    needs_place = wants_in_person and (person.lat is None or person.lon is None)
    async with db.autocommit() as repos:
        catalogue = repos.catalogue
        wanted = (page + 1) * PAGE_SIZE + 1
        nothing_near = False
        nearby: tuple[Center, float] | None = None
        if needs_place:  # in person only: nothing to show before the place is known
            ranked = (
                []
                if prefs.format is FormatChoice.in_person
                else await recommender.top(catalogue, person, online, wanted)
            )
        else:
            listing = await recommender.listing(catalogue, person, prefs, wanted)
            ranked, nothing_near = listing.ranked, listing.nothing_near
        if nothing_near:
            assert person.lat is not None and person.lon is not None
            found = await nearest(catalogue, person.lat, person.lon, 1)
            center = await catalogue.center(found[0].id) if found else None
            nearby = (center, found[0].distance_km) if center else None
        if len(ranked) <= page * PAGE_SIZE:
            page = 0
        shown = ranked[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        programs = await catalogue.programs([r.offer.program_id for r in shown])
        centers = await catalogue.centers([r.offer.center_id for r in shown if r.offer.center_id])
    items = [
        (r, programs[r.offer.program_id], centers.get(r.offer.center_id or "")) for r in shown
    ]
    return ProgrammePage(
        page,
        items,
        has_next=len(ranked) > (page + 1) * PAGE_SIZE,
        nothing_near=nothing_near,
        needs_place=needs_place,
        nearest=nearby,
    )


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


@dataclass(frozen=True, slots=True)
class CardRating:
    """The programme's card, for this person: the fit (meaningful when the interests are
    known), the distance, and whether what the person told rules the programme out."""

    ranked: Ranked
    known_interests: bool
    excluded: bool


def rate_for_card(
    basis: Interests | None,
    program: Program,
    center: Center | None,
    place: Place | None,
    role: str | None,
    *,
    age_band: AgeBand | None = None,
    status: Status | None = None,
) -> CardRating:
    known = basis is not None and not basis.flat and basis.riasec is not None
    interests = basis if basis is not None else Interests(None, None, "", flat=True)
    person = person_for(interests, place, role, age_band=age_band, status=status)
    ranked = rate_one(person, program, (center.lat, center.lon) if center else None)
    return CardRating(ranked, known, known_to_exclude(person, ranked.offer))
