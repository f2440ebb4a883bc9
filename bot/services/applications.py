"""Applications for programmes: stored once per person and programme, then passed to the
consultants (delivery is the caller's: it needs the bot)."""

from __future__ import annotations

from bot.domain.catalogue import Center, Program
from bot.domain.interests import interests_from_scores
from bot.services.results import kept_scores
from storage.db import Database
from storage.leads import LeadRow
from storage.users import UserRow


async def earlier_application(
    db: Database, user_id: int, program_id: str
) -> tuple[Program | None, LeadRow | None]:
    """The programme (None when gone) and the person's application for it, if any."""
    async with db.autocommit() as repos:
        program = await repos.catalogue.program(program_id)
        lead = await repos.leads.find(user_id, program_id)
    return program, lead


async def quiz_code_for(
    db: Database, user_row: UserRow, chosen: object, unsaved: object = None
) -> str | None:
    """The test result an application carries: the latest saved one, else the code of a
    result shown without consent (`unsaved`: its scores kept in the conversation), else the
    field the person's list was built on."""
    if user_row.has_consent:
        async with db.autocommit() as repos:
            row = await repos.results.latest(user_row.id)
        if row is not None and row.code:
            return row.code
    elif (kept := kept_scores(unsaved)) is not None:
        basis = interests_from_scores(*kept)
        if basis is not None and basis.label:
            return basis.label
    return chosen if isinstance(chosen, str) and len(chosen) <= 8 else None


async def submit(
    db: Database,
    *,
    user_id: int,
    name: str,
    program: Program,
    center: Center | None,
    phone: str,
    quiz_code: str | None,
) -> tuple[LeadRow, bool]:
    """The application, and whether it is new: applying twice stores (and sends) nothing."""
    async with db.transaction() as tx:
        await tx.users.ensure(user_id)
        lead = await tx.leads.add(
            user_id=user_id,
            program_id=program.id,
            center_id=center.id if center else None,
            program_title=program.title,
            name=name,
            phone=phone,
            quiz_code=quiz_code,
        )
        existing = await tx.leads.find(user_id, program.id) if lead is None else None
    if lead is None:
        assert existing is not None
        return existing, False
    return lead, True


async def mark_delivered(db: Database, lead_id: int) -> None:
    async with db.autocommit() as repos:
        await repos.leads.mark_delivered(lead_id)


async def applications_of(db: Database, user_id: int) -> list[LeadRow]:
    async with db.autocommit() as repos:
        return await repos.leads.of_user(user_id)
