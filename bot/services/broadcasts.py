"""Broadcasts from the admin's side: audiences and their sizes, a time typed in the admin's
time zone, creating a broadcast, and pausing, continuing or cancelling it. Every change is
written to the audit log. The sending itself is `bot.workers.broadcaster`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.catalogue import KLIMOV, RIASEC
from bot.domain.geo import PlaceIndex
from bot.domain.reminders import DEFAULT_TIMEZONE, iso
from bot.domain.when import Parsed, parse_when
from storage.broadcasts import BroadcastRow, BroadcastStatus, Counts, Segment, SegmentKind
from storage.db import Database

# Audiences offered at once, with their sizes; the others are picked by a value first.
PLAIN_AUDIENCES: tuple[SegmentKind, ...] = ("all", "students", "adults", "applied")


# --- when --------------------------------------------------------------------------------------


def admin_timezone(region_slug: str | None, places: PlaceIndex) -> str:
    """The admin's region time zone (Moscow time when the region is not known)."""
    region = places.by_slug(region_slug) if region_slug else None
    return region.timezone if region else DEFAULT_TIMEZONE


def read_time(text: str, zone: str, now: datetime) -> Parsed:
    """«завтра 10:00», «в пятницу 18:00», «через 2 часа», «31.12 09:00» … typed in `zone`:
    see `bot.domain.when`."""
    return parse_when(text, zone, now)


# --- who ---------------------------------------------------------------------------------------


async def plain_audience_sizes(db: Database) -> dict[SegmentKind, int]:
    async with db.autocommit() as repos:
        return {
            kind: await repos.broadcasts.count_audience(Segment(kind)) for kind in PLAIN_AUDIENCES
        }


async def audience_values(db: Database, kind: SegmentKind) -> list[tuple[str, int]]:
    """The values of an audience kind people have, with how many have each (types: only
    those somebody has)."""
    async with db.autocommit() as repos:
        if kind == "type":
            values = [
                (t, await repos.broadcasts.count_audience(Segment("type", t)))
                for t in RIASEC + KLIMOV
            ]
            return [(t, n) for t, n in values if n]
        return await repos.broadcasts.audience_values(kind)


async def audience_size(db: Database, segment: Segment) -> int:
    async with db.autocommit() as repos:
        return await repos.broadcasts.count_audience(segment)


# --- a broadcast -------------------------------------------------------------------------------


async def create(
    db: Database,
    *,
    admin_id: int,
    source_chat_id: int,
    source_message_id: int,
    segment: Segment,
    scheduled_at: datetime | None,
) -> BroadcastRow:
    """The broadcast with its recipients queued: running at once, or scheduled."""
    at = iso(scheduled_at) if scheduled_at else None
    async with db.transaction() as tx:
        row = await tx.broadcasts.create(
            admin_id=admin_id,
            source_chat_id=source_chat_id,
            source_message_id=source_message_id,
            segment=segment,
            scheduled_at=at,
        )
        await tx.audit.record(
            admin_id,
            "broadcast.scheduled" if at else "broadcast.started",
            f"#{row.id} {segment.to_json()} {row.total} recipients {at or ''}".strip(),
        )
    return row


async def attach_progress_message(
    db: Database, broadcast_id: int, chat_id: int, message_id: int
) -> BroadcastRow:
    """The admin's message the sender keeps up to date; the broadcast as it is now."""
    async with db.autocommit() as repos:
        await repos.broadcasts.set_progress_message(broadcast_id, chat_id, message_id)
        fresh = await repos.broadcasts.get(broadcast_id)
    assert fresh is not None
    return fresh


class Control(StrEnum):
    pause = "pause"
    resume = "resume"
    cancel = "cancel"


# The status each control leads to, and the ones it may come from.
_TRANSITIONS: dict[Control, tuple[BroadcastStatus, tuple[str, ...]]] = {
    Control.pause: ("paused", ("running",)),
    Control.resume: ("running", ("paused",)),
    Control.cancel: ("cancelled", ("running", "paused", "scheduled")),
}


@dataclass(frozen=True, slots=True)
class Controlled:
    changed: bool
    row: BroadcastRow | None  # as it is after the change; None: no such broadcast
    counts: Counts


async def control(db: Database, admin_id: int, broadcast_id: int, action: Control) -> Controlled:
    """Pause, continue or cancel; nothing changes when the broadcast is not in a state the
    action applies to (a second tap, an old button)."""
    status, only_from = _TRANSITIONS[action]
    async with db.transaction() as tx:
        changed = await tx.broadcasts.get(broadcast_id) is not None and (
            await tx.broadcasts.set_status(broadcast_id, status, only_from=only_from)
        )
        if changed:
            await tx.audit.record(admin_id, f"broadcast.{action.value}", f"#{broadcast_id}")
        current = await tx.broadcasts.get(broadcast_id)
        counts = await tx.broadcasts.counts(broadcast_id)
    return Controlled(changed, current, counts)


async def recent(db: Database, limit: int) -> list[tuple[BroadcastRow, Counts]]:
    async with db.autocommit() as repos:
        rows = await repos.broadcasts.recent(limit)
        return [(row, await repos.broadcasts.counts(row.id)) for row in rows]


@dataclass(frozen=True, slots=True)
class AuthorRemoved:
    """A broadcast paused because its author is no longer an admin."""

    row: BroadcastRow  # as it was before the pause: `status` says whether it had started
    counts: Counts


async def pause_where_author_removed(
    db: Database, admin_ids: frozenset[int]
) -> list[AuthorRemoved]:
    """At start: scheduled and running broadcasts of people no longer in ADMIN_IDS are paused,
    not sent. Each is returned once — by the start that paused it — to be reported."""
    paused = []
    async with db.transaction() as tx:
        found = [
            *await tx.broadcasts.with_status("running"),
            *await tx.broadcasts.with_status("scheduled"),
        ]
        for row in sorted(found, key=lambda r: r.id):
            if row.admin_id in admin_ids:
                continue
            if await tx.broadcasts.set_status(row.id, "paused", only_from=(row.status,)):
                await tx.audit.record(
                    row.admin_id, "broadcast.pause", f"#{row.id} author no longer an admin"
                )
                paused.append(AuthorRemoved(row, await tx.broadcasts.counts(row.id)))
    return paused
