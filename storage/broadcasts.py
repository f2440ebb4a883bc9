"""Broadcasts and their recipients: the durable queue behind `bot.workers.broadcaster`.

Recipients are chosen by one `INSERT … SELECT` (nothing is loaded into memory, whatever the
audience size) before the first send. A recipient row goes pending → sending → sent / blocked
/ failed / skipped (each person is checked again right before the send).

Several senders (processes) may share one broadcast: a batch is claimed in one statement
(on PostgreSQL `FOR UPDATE SKIP LOCKED`, so two senders never take the same row; SQLite has
one writer at a time anyway) and names its claimer. Only the `sending` rows of a claimer that
is gone (`in_flight_claimers`, `requeue_from`) go back to pending, so a message whose delivery
was not yet recorded may be sent twice — at most one per concurrent sender of the dead one.
The send slots of all senders come from one row (`reserve_slots`): one rate for the bot.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import aiosqlite

from storage.sql import Dialect, greatest

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
# The database's clock as Unix time, the same for every use within one statement.
_EPOCH = {
    Dialect.sqlite: "((julianday('now') - 2440587.5) * 86400.0)",
    Dialect.postgresql: "CAST(extract(epoch FROM statement_timestamp()) AS DOUBLE PRECISION)",
}


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
            # Running again: its next pause or end is reported again.
            "running": f", started_at = coalesce(started_at, {_NOW}), reported = NULL",
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

    async def take_report(self, broadcast_id: int) -> BroadcastStatus | None:
        """The status whose final report is this caller's to give (once across senders):
        done, paused or cancelled, not reported yet; None when there is nothing to report."""
        rows = list(
            await self._conn.execute_fetchall(
                "UPDATE broadcasts SET reported = status WHERE id = ? "
                "AND status IN ('done', 'paused', 'cancelled') "
                "AND coalesce(reported, '') <> status RETURNING status",
                (broadcast_id,),
            )
        )
        return rows[0][0] if rows else None

    async def take_progress_turn(self, broadcast_id: int, *, now: float, every: float) -> bool:
        """True for one caller in each `every` seconds of a running broadcast: the one that
        edits the progress message this time."""
        rows = await self._conn.execute_fetchall(
            "UPDATE broadcasts SET progress_at = ? WHERE id = ? AND status = 'running' "
            "AND (progress_at IS NULL OR progress_at <= ?) RETURNING id",
            (now, broadcast_id, now - every),
        )
        return bool(list(rows))

    # --- recipients ----------------------------------------------------------------------------

    async def claim(
        self, broadcast_id: int, limit: int, claimer: str | None = None, now: float = 0.0
    ) -> list[int]:
        """Take up to `limit` pending recipients for sending, as `claimer` since `now`."""
        if self._dialect is Dialect.postgresql:
            # Rows another sender is claiming at this moment are passed over, not waited for.
            chosen = (
                "(broadcast_id, user_id) IN (SELECT broadcast_id, user_id "
                "FROM broadcast_recipients WHERE broadcast_id = ? AND status = 'pending' "
                "ORDER BY user_id LIMIT ? FOR UPDATE SKIP LOCKED)"
            )
            params: list[Any] = [claimer, now, broadcast_id, limit]
        else:
            chosen = (
                "broadcast_id = ? AND user_id IN (SELECT user_id FROM broadcast_recipients "
                "WHERE broadcast_id = ? AND status = 'pending' ORDER BY user_id LIMIT ?)"
            )
            params = [claimer, now, broadcast_id, broadcast_id, limit]
        rows = await self._conn.execute_fetchall(
            "UPDATE broadcast_recipients SET status = 'sending', attempts = attempts + 1, "
            f"claimed_by = ?, claimed_at = ? WHERE {chosen} AND status = 'pending' "
            "RETURNING user_id",
            params,
        )
        return sorted(int(row[0]) for row in rows)

    async def unclaim(
        self, broadcast_id: int, user_ids: list[int], claimer: str | None = None
    ) -> None:
        """Recipients taken (by `claimer`, when given) but not sent to: back in the queue."""
        mine = " AND claimed_by = ?" if claimer is not None else ""
        await self._conn.executemany(
            "UPDATE broadcast_recipients SET status = 'pending', attempts = attempts - 1, "
            "claimed_by = NULL, claimed_at = NULL "
            f"WHERE broadcast_id = ? AND user_id = ? AND status = 'sending'{mine}",
            [
                (broadcast_id, user_id, *([claimer] if claimer is not None else []))
                for user_id in user_ids
            ],
        )

    async def claim_state(
        self, broadcast_id: int, user_id: int
    ) -> tuple[RecipientStatus, str | None, BroadcastStatus] | None:
        """A recipient's status and claimer, with the broadcast's status (checked right before
        each send: another sender may have taken the row over, an admin may have paused)."""
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT r.status, r.claimed_by, b.status FROM broadcast_recipients AS r "
                "JOIN broadcasts AS b ON b.id = r.broadcast_id "
                "WHERE r.broadcast_id = ? AND r.user_id = ?",
                (broadcast_id, user_id),
            )
        )
        if not rows:
            return None
        status, claimer, broadcast_status = rows[0]
        return status, claimer, broadcast_status

    async def record(
        self, broadcast_id: int, user_id: int, status: RecipientStatus, error: str | None = None
    ) -> None:
        await self._conn.execute(
            "UPDATE broadcast_recipients SET status = ?, error = ? "
            "WHERE broadcast_id = ? AND user_id = ?",
            (status, error, broadcast_id, user_id),
        )

    async def left(self, broadcast_id: int) -> int:
        """Recipients not done yet (pending, or being sent by some sender)."""
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT count(*) FROM broadcast_recipients WHERE broadcast_id = ? "
                "AND status IN ('pending', 'sending')",
                (broadcast_id,),
            )
        )
        return int(rows[0][0])

    # --- senders: who is alive, whose claims go back, and the shared rate ----------------------

    async def beat(self, claimer: str, now: float) -> None:
        """A sender says it is alive."""
        await self._conn.execute(
            "INSERT INTO broadcast_senders (claimer, beat_at) VALUES (?, ?) "
            "ON CONFLICT (claimer) DO UPDATE SET beat_at = excluded.beat_at",
            (claimer, now),
        )

    async def in_flight_claimers(self) -> list[tuple[str | None, float]]:
        """Everyone with recipients being sent, with the last sign of life of each (its
        heartbeat or its latest claim, whichever is later; 0 for claims made by no one)."""
        rows = await self._conn.execute_fetchall(
            "SELECT r.claimed_by, max(coalesce(r.claimed_at, 0)), max(coalesce(s.beat_at, 0)) "
            "FROM broadcast_recipients AS r "
            "LEFT JOIN broadcast_senders AS s ON s.claimer = r.claimed_by "
            "WHERE r.status = 'sending' GROUP BY r.claimed_by"
        )
        return [
            (None if claimer is None else str(claimer), max(float(claimed), float(beat)))
            for claimer, claimed, beat in rows
        ]

    async def requeue_from(self, claimer: str | None, *, silent_since: float | None = None) -> int:
        """The sends `claimer` had under way go back to the queue (at-least-once): it is gone.
        With `silent_since`, only while it has shown no sign of life since then (it may have
        come back since it was judged)."""
        mine = "claimed_by IS NULL" if claimer is None else "claimed_by = ?"
        params: list[Any] = [] if claimer is None else [claimer]
        quiet = ""
        if silent_since is not None and claimer is not None:
            quiet = (
                " AND NOT EXISTS (SELECT 1 FROM broadcast_senders AS s "
                "WHERE s.claimer = ? AND s.beat_at >= ?) AND NOT EXISTS (SELECT 1 FROM "
                "broadcast_recipients AS c WHERE c.status = 'sending' AND c.claimed_by = ? "
                "AND c.claimed_at >= ?)"
            )
            params += [claimer, silent_since, claimer, silent_since]
        cursor = await self._conn.execute(
            "UPDATE broadcast_recipients SET status = 'pending', claimed_by = NULL, "
            f"claimed_at = NULL WHERE status = 'sending' AND {mine}{quiet}",
            params,
        )
        if claimer is not None and silent_since is None:
            await self._conn.execute("DELETE FROM broadcast_senders WHERE claimer = ?", (claimer,))
        return cursor.rowcount

    async def forget_senders(self, silent_since: float) -> None:
        """Senders silent since then with nothing under way: their rows are not needed."""
        await self._conn.execute(
            "DELETE FROM broadcast_senders WHERE beat_at < ? AND NOT EXISTS (SELECT 1 FROM "
            "broadcast_recipients AS r WHERE r.status = 'sending' "
            "AND r.claimed_by = broadcast_senders.claimer)",
            (silent_since,),
        )

    async def reserve_slots(
        self, count: int, interval: float, hold: float = 0.0
    ) -> tuple[float, float]:
        """`count` send slots `interval` seconds apart, after every slot taken before by any
        sender and at least `hold` seconds from now (Telegram asked for a pause): (the first
        slot, the database's now), both Unix time on the database's clock."""
        now = _EPOCH[self._dialect]
        later = greatest(self._dialect, "broadcast_clock.next_at", f"{now} + ?")
        rows = list(
            await self._conn.execute_fetchall(
                f"INSERT INTO broadcast_clock (id, next_at) VALUES (1, {now} + ? + ?) "
                f"ON CONFLICT (id) DO UPDATE SET next_at = {later} + ? "
                f"RETURNING next_at, {now}",
                (hold, count * interval, hold, count * interval),
            )
        )
        next_at, db_now = rows[0]
        return float(next_at) - count * interval, float(db_now)

    async def counts(self, broadcast_id: int) -> Counts:
        rows = await self._conn.execute_fetchall(
            "SELECT status, count(*) FROM broadcast_recipients WHERE broadcast_id = ? "
            "GROUP BY status",
            (broadcast_id,),
        )
        return Counts(**{str(status): int(n) for status, n in rows})
