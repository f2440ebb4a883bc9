"""Centres as operators: who may do what, the centres' admins and staff chats, and the
statuses the staff give applications.

Two roles: a network admin (`ADMIN_IDS`: everything) and a centre admin (a row in
`centre_admins`: only their centre). A role is read from the settings and the database on every
message and tap, never remembered, so a removed centre admin loses access on the next tap.
Every change here is written to the audit log in the same transaction.
"""

from __future__ import annotations

import secrets
import statistics
import time
from dataclasses import dataclass
from enum import StrEnum

from bot.config import Settings
from bot.domain.catalogue import Center
from storage.centres_staff import CentreAdmin, CentreFigures
from storage.db import Database
from storage.leads import LeadRow

CODE_SECONDS = 24 * 3600  # a bind code works for a day, once


@dataclass(frozen=True, slots=True)
class Role:
    """What the person may manage: everything (`network`), or one centre."""

    user_id: int
    network: bool
    center_id: str | None = None

    def may_manage(self, center_id: str | None) -> bool:
        """Whether this role may see and change rows of the centre (None: online rows, which
        belong to the network)."""
        return self.network or (center_id is not None and center_id == self.center_id)


async def role_of(db: Database, settings: Settings, user_id: int) -> Role | None:
    """The person's admin role now, or None."""
    if user_id in settings.admin_ids:
        return Role(user_id, network=True)
    async with db.autocommit() as repos:
        center_id = await repos.centres.admin_centre(user_id)
    return Role(user_id, network=False, center_id=center_id) if center_id else None


async def centre(db: Database, center_id: str) -> Center | None:
    async with db.autocommit() as repos:
        return await repos.catalogue.center(center_id)


def _fold(text: str) -> str:
    return text.lower().replace("ё", "е").strip()


async def search_centres(db: Database, query: str, limit: int = 8) -> tuple[list[Center], int]:
    """Centres whose name, city, host or region matches every word of `query` (by region or
    name, in any case); the first `limit` and how many matched."""
    words = [w for w in _fold(query).split() if w]
    async with db.autocommit() as repos:
        regions = {r.slug: r for r in await repos.catalogue.regions()}
        ids = [item.id for item in await repos.catalogue.all_centers()]
        centres = await repos.catalogue.centers(ids)
    found = []
    for center in centres.values():
        region = regions.get(center.region_slug)
        haystack = _fold(
            " ".join(
                x or ""
                for x in (
                    center.name,
                    center.city,
                    center.host_organization,
                    region.name_ru if region else "",
                    region.name_en if region else "",
                    " ".join(region.aliases) if region else "",
                )
            )
        )
        if all(word in haystack for word in words):
            found.append(center)
    found.sort(key=lambda c: c.name)
    return found[:limit], len(found)


# --- centre admins ---------------------------------------------------------------------------


async def add_admin(db: Database, actor: int, user_id: int, center_id: str) -> str | None:
    """Make the person an admin of the centre; the centre they administered before (moved)."""
    async with db.transaction() as tx:
        before = await tx.centres.add_admin(user_id, center_id, actor)
        moved = f" (was {before})" if before else ""
        await tx.audit.record(actor, "centre.admin.add", f"{user_id} → {center_id}{moved}")
    return before


async def remove_admin(db: Database, actor: int, user_id: int, center_id: str) -> bool:
    async with db.transaction() as tx:
        removed = await tx.centres.remove_admin(user_id, center_id)
        if removed:
            await tx.audit.record(actor, "centre.admin.remove", f"{user_id} ✕ {center_id}")
    return removed


async def admins(db: Database, center_id: str | None = None) -> list[CentreAdmin]:
    async with db.autocommit() as repos:
        return await repos.centres.admins(center_id)


# --- staff chats -----------------------------------------------------------------------------


async def new_bind_code(db: Database, actor: int, center_id: str) -> str:
    """A one-time code: `/bind <code>` in a group makes it the centre's staff chat."""
    code = secrets.token_hex(4)
    async with db.transaction() as tx:
        await tx.centres.add_code(code, center_id, actor, time.time() + CODE_SECONDS)
        await tx.audit.record(actor, "centre.chat.code", center_id)
    return code


class BindRefusal(StrEnum):
    bad_code = "bad_code"  # unknown, used or expired
    not_centre_admin = "not_centre_admin"  # `/bind` without a code from someone else
    network_needs_code = "network_needs_code"  # a network admin: which centre? a code says
    taken = "taken"  # the chat serves another centre: unbind it there first


@dataclass(frozen=True, slots=True)
class Binding:
    center_id: str | None
    refusal: BindRefusal | None = None
    moved_from: int | None = None  # the chat the centre had before


async def bind_chat(
    db: Database, settings: Settings, chat_id: int, sender: int, code: str | None
) -> Binding:
    """`/bind [code]` sent in a group: with a code, the code's centre (whoever sends it —
    the code was given to an admin in private); without one, the sender's own centre."""
    async with db.transaction() as tx:
        if code:
            taken = await tx.centres.take_code(code.strip().lower(), time.time())
            if taken is None:
                return Binding(None, BindRefusal.bad_code)
            center_id = taken[0]
        else:
            own = await tx.centres.admin_centre(sender)
            if own is None:
                refusal = (
                    BindRefusal.network_needs_code
                    if sender in settings.admin_ids
                    else BindRefusal.not_centre_admin
                )
                return Binding(None, refusal)
            center_id = own
        serving = await tx.centres.centre_of_chat(chat_id)
        if serving is not None and serving != center_id:
            return Binding(serving, BindRefusal.taken)
        before = await tx.centres.chat_of(center_id)
        await tx.centres.bind_chat(center_id, chat_id, sender)
        await tx.audit.record(sender, "centre.chat.bind", f"{center_id} → {chat_id}")
    return Binding(center_id, moved_from=before if before != chat_id else None)


async def unbind_chat(db: Database, actor: int, center_id: str) -> int | None:
    async with db.transaction() as tx:
        chat_id = await tx.centres.unbind_chat(center_id)
        if chat_id is not None:
            await tx.audit.record(actor, "centre.chat.unbind", f"{center_id} ✕ {chat_id}")
    return chat_id


async def chat_of(db: Database, center_id: str) -> int | None:
    async with db.autocommit() as repos:
        return await repos.centres.chat_of(center_id)


async def centre_of_chat(db: Database, chat_id: int) -> str | None:
    async with db.autocommit() as repos:
        return await repos.centres.centre_of_chat(chat_id)


# --- where work goes -------------------------------------------------------------------------


def network_chats(settings: Settings) -> list[int]:
    """The network's fallback: the consultant chat, else every network admin."""
    if settings.consultant_chat_id is not None:
        return [settings.consultant_chat_id]
    return sorted(settings.admin_ids)


async def lead_chats(db: Database, settings: Settings, center_id: str | None) -> list[int]:
    """Where an application goes: its centre's staff chat, else the network's."""
    if center_id is not None:
        chat = await chat_of(db, center_id)
        if chat is not None:
            return [chat]
    return network_chats(settings)


async def question_chats(db: Database, settings: Settings, user_id: int) -> list[int]:
    """Where a person's question goes: the staff chat of a centre of their region, else the
    network's."""
    async with db.autocommit() as repos:
        person = await repos.users.get(user_id)
        found = (
            await repos.centres.region_chat(person.region_slug)
            if person is not None and person.region_slug
            else None
        )
    return [found[1]] if found is not None else network_chats(settings)


# --- statuses of applications -----------------------------------------------------------------


class Stage(StrEnum):
    new = "new"
    contacted = "contacted"
    enrolled = "enrolled"
    declined = "declined"


class Reason(StrEnum):
    """Preset reasons for «отказ»; `other` when none fits."""

    unreachable = "unreachable"
    changed_mind = "mind"
    not_eligible = "noteligible"
    no_places = "noplaces"
    other = "other"


# Which stage may follow which: new → contacted → enrolled / declined, declined straight
# from new (nobody answers), and a final stage back to «contacted» to undo a slip.
NEXT: dict[Stage, frozenset[Stage]] = {
    Stage.new: frozenset({Stage.contacted, Stage.declined}),
    Stage.contacted: frozenset({Stage.enrolled, Stage.declined}),
    Stage.enrolled: frozenset({Stage.contacted}),
    Stage.declined: frozenset({Stage.contacted}),
}


async def may_handle_lead(
    db: Database, settings: Settings, lead: LeadRow, user_id: int, chat_id: int | None
) -> bool:
    """Whether this person, tapping in this chat, may change the application: a network
    admin; an admin of its centre; a member of its centre's staff chat (tapping there); for
    an application without a centre chat, a member of the network consultant chat."""
    if user_id in settings.admin_ids:
        return True
    async with db.autocommit() as repos:
        own = await repos.centres.admin_centre(user_id)
        centre_chat = (
            await repos.centres.chat_of(lead.center_id) if lead.center_id is not None else None
        )
    if own is not None and own == lead.center_id:
        return True
    if chat_id is None or chat_id == user_id:
        return False
    if centre_chat is not None:
        return chat_id == centre_chat
    return chat_id == settings.consultant_chat_id


@dataclass(frozen=True, slots=True)
class StageChange:
    lead: LeadRow
    changed: bool  # False: it was already moved by someone else, or the move is not allowed


async def set_stage(
    db: Database,
    settings: Settings,
    *,
    lead_id: int,
    stage: Stage,
    reason: Reason | None,
    actor: int,
    chat_id: int | None,
) -> StageChange | None:
    """Move an application to `stage`, re-checking the actor's right; None when the actor may
    not touch it (or it does not exist)."""
    async with db.autocommit() as repos:
        lead = await repos.leads.get(lead_id)
    if lead is None or not await may_handle_lead(db, settings, lead, actor, chat_id):
        return None
    current = Stage(lead.stage)
    if stage not in NEXT[current] or lead.withdrawn:
        return StageChange(lead, changed=False)
    stored_reason = (reason or Reason.other).value if stage is Stage.declined else None
    async with db.transaction() as tx:
        changed = await tx.leads.set_stage(
            lead_id, stage.value, reason=stored_reason, by=actor, expected=current.value
        )
        if changed:
            await tx.audit.record(
                actor,
                "lead.stage",
                f"#{lead_id} {current.value} → {stage.value}"
                + (f" ({stored_reason})" if stored_reason else ""),
            )
        fresh = await tx.leads.get(lead_id)
    assert fresh is not None
    return StageChange(fresh, changed)


async def lead_row(db: Database, lead_id: int) -> LeadRow | None:
    async with db.autocommit() as repos:
        return await repos.leads.get(lead_id)


async def lead_for(db: Database, role: Role, lead_id: int) -> LeadRow | None:
    """The application if the role may see it."""
    async with db.autocommit() as repos:
        lead = await repos.leads.get(lead_id)
    return lead if lead is not None and role.may_manage(lead.center_id) else None


# --- per-centre numbers ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CentreNumbers:
    center_id: str
    name: str
    leads: int
    delivered: int
    contacted: int
    enrolled: int
    declined: int
    median_hours: float | None  # from delivery to the first contact; None: none contacted


def _numbers(figures: CentreFigures, names: dict[str, str]) -> CentreNumbers:
    spans = figures.hours_to_contact
    return CentreNumbers(
        figures.center_id,
        names.get(figures.center_id, figures.center_id),
        figures.leads,
        figures.delivered,
        figures.contacted,
        figures.enrolled,
        figures.declined,
        statistics.median(spans) if spans else None,
    )


async def centre_numbers(db: Database, center_id: str | None = None) -> list[CentreNumbers]:
    """Each centre's applications side by side (or one centre's), most applications first."""
    async with db.autocommit() as repos:
        figures = await repos.centres.figures(center_id)
        names = {
            c.id: c.name
            for c in (await repos.catalogue.centers([f.center_id for f in figures])).values()
        }
    return [_numbers(f, names) for f in figures]


async def untouched_leads(db: Database, before_iso: str) -> list[LeadRow]:
    async with db.autocommit() as repos:
        return await repos.leads.waiting_untouched(before_iso)


async def flagged(db: Database, lead_id: int) -> None:
    async with db.autocommit() as repos:
        await repos.leads.mark_flagged(lead_id)


async def admins_to_tell(db: Database, settings: Settings, center_id: str | None) -> list[int]:
    """Who hears that a centre's application waits: its admins, else the network admins."""
    if center_id is not None:
        found = [a.user_id for a in await admins(db, center_id)]
        if found:
            return found
    return sorted(settings.admin_ids)


async def broadcast_author(db: Database, broadcast_id: int) -> int | None:
    """Who made the broadcast (a centre admin may control only their own)."""
    async with db.autocommit() as repos:
        row = await repos.broadcasts.get(broadcast_id)
    return row.admin_id if row is not None else None


async def audit(db: Database, actor: int, action: str, details: str = "") -> None:
    async with db.autocommit() as repos:
        await repos.audit.record(actor, action, details)
