"""Broadcasts and their recipients: the durable queue behind `bot.workers.broadcaster`.

Recipients are chosen by one `INSERT … SELECT` (nothing is loaded into memory, whatever the
audience size) before the first send. A recipient row goes pending → sending → sent / blocked
/ failed / skipped (each person is checked again right before the send); `sending` rows left
by a crash go back to pending on restart, so a message whose delivery was not yet recorded
may be sent twice — at most one per concurrent sender.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import aiosqlite

from storage.sql import Dialect

SegmentKind = Literal[
    "all", "students", "adults", "region", "type", "language", "source", "applied", "centre"
]
SEGMENT_KINDS: tuple[SegmentKind, ...] = (
    "all",
    "students",
    "adults",
    "region",
    "type",
    "language",
    "source",
    "applied",
    "centre",  # a centre admin's only audience: its region's people and its applicants
)
BroadcastStatus = Literal["scheduled", "running", "paused", "cancelled", "done"]
RecipientStatus = Literal["pending", "sending", "sent", "blocked", "failed", "skipped"]


@dataclass(frozen=True, slots=True)
class Segment:
    kind: SegmentKind
    value: str = ""

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "value": self.value}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Segment:
        raw = json.loads(text)
        kind = raw.get("kind")
        if kind not in SEGMENT_KINDS:
            raise ValueError(f"unknown audience {kind!r}")
        return cls(kind, str(raw.get("value", "")))


# The latest result of each person decides their type.
_LATEST_CODE = (
    "(SELECT q.code FROM quiz_results AS q WHERE q.user_id = u.id ORDER BY q.id DESC LIMIT 1)"
)


# Broadcasts (mailings) reach only people who agreed to data storage, said yes to news (asked
# once after the first result, changeable in /settings) and have not blocked the bot; people
# who used /forget have no row at all. Service messages (about one's own application or a
# changed programme) do not go through broadcasts.
REACHABLE = "u.is_blocked = 0 AND u.consent_given_at IS NOT NULL AND u.news_opt_in = 1"


def segment_where(segment: Segment) -> tuple[str, list[Any]]:
    """Who a segment is, as a condition on `users AS u`: always within `REACHABLE`."""
    value = segment.value
    conditions: dict[str, tuple[str, list[Any]]] = {
        "all": ("", []),
        "students": ("u.role = 'student'", []),
        "adults": ("u.role IN ('adult', 'parent')", []),
        "region": ("u.region_slug = ?", [value]),
        # RIASEC codes are 'S-A-E' and school ones 'tech+art': the first type leads.
        "type": (
            f"({_LATEST_CODE} = ? OR {_LATEST_CODE} LIKE ? OR {_LATEST_CODE} LIKE ?)",
            [value, value + "-%", value + "+%"],
        ),
        "language": ("coalesce(u.locale, 'ru') = ?", [value]),
        "source": ("u.source = ?", [value]),
        "applied": ("EXISTS (SELECT 1 FROM leads AS l WHERE l.user_id = u.id)", []),
        "centre": (
            "(u.region_slug = (SELECT c.region_slug FROM centers AS c WHERE c.id = ?) OR "
            "EXISTS (SELECT 1 FROM leads AS l WHERE l.user_id = u.id AND l.center_id = ?))",
            [value, value],
        ),
    }
    condition, params = conditions[segment.kind]
    return REACHABLE + (f" AND {condition}" if condition else ""), params


@dataclass(frozen=True, slots=True)
class BroadcastRow:
    id: int
    admin_id: int
    source_chat_id: int
    source_message_id: int
    segment: Segment
    status: BroadcastStatus
    scheduled_at: str | None
    started_at: str | None
    finished_at: str | None
    progress_chat_id: int | None
    progress_message_id: int | None
    total: int
    created_at: str


_COLUMNS = (
    "id, admin_id, source_chat_id, source_message_id, audience, status, scheduled_at, "
    "started_at, finished_at, progress_chat_id, progress_message_id, total, created_at"
)
_NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"


def _broadcast(row: aiosqlite.Row) -> BroadcastRow:
    values = list(row)
    values[4] = Segment.from_json(values[4])
    return BroadcastRow(*values)


@dataclass(frozen=True, slots=True)
class Counts:
    pending: int = 0
    sending: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    skipped: int = 0  # checked right before the send: no consent any more, or forgotten

    @property
    def left(self) -> int:
        return self.pending + self.sending

    @property
    def done(self) -> int:
        return self.sent + self.blocked + self.failed + self.skipped


class BroadcastsRepo:
    def __init__(self, conn: aiosqlite.Connection, dialect: Dialect = Dialect.sqlite) -> None:
        self._conn = conn
        self._dialect = dialect

    async def count_audience(self, segment: Segment) -> int:
        where, params = segment_where(segment)
        rows = list(
            await self._conn.execute_fetchall(
                f"SELECT count(*) FROM users AS u WHERE {where}", params
            )
        )
        return int(rows[0][0])

    async def audience_values(self, kind: SegmentKind, limit: int = 20) -> list[tuple[str, int]]:
        """The most common values of a segment kind with their counts (for pickers)."""
        expression = {
            "region": "u.region_slug",
            "language": "coalesce(u.locale, 'ru')",
            "source": "u.source",
        }.get(kind)
        if expression is None:
            return []
        rows = await self._conn.execute_fetchall(
            f"SELECT {expression} AS v, count(*) FROM users AS u "
            f"WHERE {REACHABLE} AND {expression} IS NOT NULL GROUP BY v ORDER BY count(*) DESC, v "
            "LIMIT ?",
            (limit,),
        )
        return [(str(v), int(n)) for v, n in rows]

    async def create(
        self,
        *,
        admin_id: int,
        source_chat_id: int,
        source_message_id: int,
        segment: Segment,
        scheduled_at: str | None = None,
    ) -> BroadcastRow:
        """The broadcast with every recipient queued (call inside one transaction)."""
        status = "scheduled" if scheduled_at else "running"
        cursor = await self._conn.execute(
            "INSERT INTO broadcasts (admin_id, source_chat_id, source_message_id, audience, "
            "status, scheduled_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (admin_id, source_chat_id, source_message_id, segment.to_json(), status, scheduled_at),
        )
        created = await cursor.fetchone()
        assert created is not None
        broadcast_id = int(created[0])
        where, params = segment_where(segment)
        inserted = await self._conn.execute(
            "INSERT INTO broadcast_recipients (broadcast_id, user_id) "
            f"SELECT CAST(? AS BIGINT), u.id FROM users AS u WHERE {where}",
            [broadcast_id, *params],
        )
        await self._conn.execute(
            "UPDATE broadcasts SET total = ? WHERE id = ?", (inserted.rowcount, broadcast_id)
        )
        row = await self.get(broadcast_id)
        assert row is not None
        return row

    async def get(self, broadcast_id: int) -> BroadcastRow | None:
        rows = list(
            await self._conn.execute_fetchall(
                f"SELECT {_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast_id,)
            )
        )
        return _broadcast(rows[0]) if rows else None

    async def recent(self, limit: int = 10) -> list[BroadcastRow]:
        rows = await self._conn.execute_fetchall(
            f"SELECT {_COLUMNS} FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [_broadcast(row) for row in rows]

    async def with_status(self, status: BroadcastStatus) -> list[BroadcastRow]:
        rows = await self._conn.execute_fetchall(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE status = ? ORDER BY id", (status,)
        )
        return [_broadcast(row) for row in rows]

    async def due(self, now_utc: str) -> list[BroadcastRow]:
        rows = await self._conn.execute_fetchall(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE status = 'scheduled' AND scheduled_at <= ? "
            "ORDER BY scheduled_at, id",
            (now_utc,),
        )
        return [_broadcast(row) for row in rows]

    async def set_status(
        self, broadcast_id: int, status: BroadcastStatus, *, only_from: tuple[str, ...] = ()
    ) -> bool:
        """Change the status (only from the given ones, when given); False when it did not."""
        stamps = {
            "running": f", started_at = coalesce(started_at, {_NOW})",
            "done": f", finished_at = {_NOW}",
            "cancelled": f", finished_at = {_NOW}",
        }.get(status, "")
        query = f"UPDATE broadcasts SET status = ?{stamps} WHERE id = ?"
        params: list[Any] = [status, broadcast_id]
        if only_from:
            query += f" AND status IN ({', '.join('?' * len(only_from))})"
            params.extend(only_from)
        cursor = await self._conn.execute(query, params)
        return cursor.rowcount == 1

    async def set_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        await self._conn.execute(
            "UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
            (chat_id, message_id, broadcast_id),
        )

    # --- recipients ----------------------------------------------------------------------------

    async def claim(self, broadcast_id: int, limit: int) -> list[int]:
        """Take up to `limit` pending recipients for sending."""
        rows = await self._conn.execute_fetchall(
            "UPDATE broadcast_recipients SET status = 'sending', attempts = attempts + 1 "
            "WHERE broadcast_id = ? AND user_id IN (SELECT user_id FROM broadcast_recipients "
            "WHERE broadcast_id = ? AND status = 'pending' ORDER BY user_id LIMIT ?) "
            "RETURNING user_id",
            (broadcast_id, broadcast_id, limit),
        )
        return sorted(int(row[0]) for row in rows)

    async def unclaim(self, broadcast_id: int, user_ids: list[int]) -> None:
        """Recipients taken but not sent to (a pause): back in the queue."""
        await self._conn.executemany(
            "UPDATE broadcast_recipients SET status = 'pending', attempts = attempts - 1 "
            "WHERE broadcast_id = ? AND user_id = ? AND status = 'sending'",
            [(broadcast_id, user_id) for user_id in user_ids],
        )

    async def record(
        self, broadcast_id: int, user_id: int, status: RecipientStatus, error: str | None = None
    ) -> None:
        await self._conn.execute(
            "UPDATE broadcast_recipients SET status = ?, error = ? "
            "WHERE broadcast_id = ? AND user_id = ?",
            (status, error, broadcast_id, user_id),
        )

    async def requeue_in_flight(self) -> int:
        """After a crash: sends that were under way go back to the queue (at-least-once)."""
        cursor = await self._conn.execute(
            "UPDATE broadcast_recipients SET status = 'pending' WHERE status = 'sending'"
        )
        return cursor.rowcount

    async def counts(self, broadcast_id: int) -> Counts:
        rows = await self._conn.execute_fetchall(
            "SELECT status, count(*) FROM broadcast_recipients WHERE broadcast_id = ? "
            "GROUP BY status",
            (broadcast_id,),
        )
        return Counts(**{str(status): int(n) for status, n in rows})
