"""Applications for programmes: one per person and programme, renewed when the person applies
again, withdrawn when they change their mind.

Every notice the staff must get about an application is a job in the outbox, written in the
same transaction as the change it announces (`storage.outbox`); sending needs the bot and is
`bot.workers.outbox`'s business. A job is written claimed by the process that is about to try
it at once (`Claim`), so the background sender leaves it alone meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.catalogue import Center, Program
from bot.domain.interests import interests_from_scores
from bot.services.results import kept_scores
from storage.db import Database
from storage.leads import LeadRow, UndeliveredLead
from storage.users import UserRow


@dataclass(frozen=True, slots=True)
class Claim:
    """A process about to try a job at once: who, and until when (Unix time) others wait."""

    holder: str
    until: float


@dataclass(frozen=True, slots=True)
class Submission:
    lead: LeadRow
    job_id: int  # the notice for the staff, claimed by the caller
    renewed: bool  # the person had applied for this programme before


@dataclass(frozen=True, slots=True)
class Withdrawal:
    lead: LeadRow
    job_id: int | None  # the note for the staff; None when they never got the application


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
    username: str | None,
    program: Program,
    center: Center | None,
    phone: str,
    quiz_code: str | None,
    claim: Claim,
) -> Submission:
    """The application (new, or renewed with the latest contacts) and its notice for the
    staff, stored together: from here on the application cannot be lost."""
    async with db.transaction() as tx:
        await tx.users.ensure(user_id)
        lead, renewed = await tx.leads.apply(
            user_id=user_id,
            program_id=program.id,
            center_id=center.id if center else None,
            program_title=program.title,
            name=name,
            username=username,
            phone=phone,
            quiz_code=quiz_code,
        )
        # An older notice not yet sent is replaced by this one, with the latest contacts.
        await tx.outbox.cancel_pending(lead.id, "lead")
        job_id = await tx.outbox.add(
            lead_id=lead.id,
            user_id=user_id,
            kind="lead",
            due_at=claim.until,
            claimed_by=claim.holder,
        )
    return Submission(lead, job_id, renewed)


async def withdraw(db: Database, user_id: int, lead_id: int, claim: Claim) -> Withdrawal | None:
    """Withdraw the person's own active application; None when there is no such thing (a
    forged or old button). The staff get a note when they may have the application."""
    async with db.transaction() as tx:
        lead = await tx.leads.get(lead_id)
        if lead is None or lead.user_id != user_id or lead.withdrawn:
            return None
        await tx.leads.withdraw(lead_id)
        being_sent = await tx.outbox.cancel_pending(lead_id, "lead")
        job_id = None
        if lead.ever_passed_on or lead.delivered or being_sent:
            job_id = await tx.outbox.add(
                lead_id=lead_id,
                user_id=user_id,
                kind="withdrawal",
                due_at=claim.until,
                claimed_by=claim.holder,
            )
        withdrawn = await tx.leads.get(lead_id)
    assert withdrawn is not None
    return Withdrawal(withdrawn, job_id)


async def application_of(db: Database, user_id: int, lead_id: int) -> LeadRow | None:
    """The person's own application with this id, if there is one."""
    async with db.autocommit() as repos:
        lead = await repos.leads.get(lead_id)
    return lead if lead is not None and lead.user_id == user_id else None


async def applications_of(db: Database, user_id: int) -> list[LeadRow]:
    async with db.autocommit() as repos:
        return await repos.leads.of_user(user_id)


async def undelivered(
    db: Database, limit: int = 10, center_id: str | None = None
) -> tuple[list[UndeliveredLead], int]:
    """Active applications no staff chat has accepted yet (oldest first), and their count;
    `center_id`: only that centre's."""
    async with db.autocommit() as repos:
        return await repos.leads.undelivered(limit, center_id)


async def recent_of_center(db: Database, center_id: str, limit: int = 10) -> list[LeadRow]:
    async with db.autocommit() as repos:
        return await repos.leads.recent_of_center(center_id, limit)


async def job_to_retry(db: Database, lead_id: int, claim: Claim) -> int | None:
    """The notice of an undelivered application, claimed for an attempt now (a new one when
    none is pending); None when it needs none (delivered, withdrawn, gone) or another process
    is sending it at this moment."""
    async with db.transaction() as tx:
        lead = await tx.leads.get(lead_id)
        if lead is None or lead.withdrawn or lead.delivered:
            return None
        pending = await tx.outbox.pending_for(lead_id, "lead")
        for job in pending:
            if job.claimed_by is None:
                claimed = await tx.outbox.claim(
                    job.id, holder=claim.holder, expected=None, until=claim.until
                )
                return job.id if claimed else None
        if pending:
            return None  # being tried right now
        return await tx.outbox.add(
            lead_id=lead_id,
            user_id=lead.user_id,
            kind="lead",
            due_at=claim.until,
            claimed_by=claim.holder,
        )
