"""Centres as operators: each centre's admins, its staff chat, the one-time codes that bind a
chat, and each centre's figures side by side."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.sql import Dialect, greatest, hours_between, joined


@dataclass(frozen=True, slots=True)
class CentreAdmin:
    user_id: int
    center_id: str
    added_by: int
    created_at: str
    name: str | None  # as the bot knows the person (None: never wrote to the bot)
    username: str | None


@dataclass(frozen=True, slots=True)
class CentreFigures:
    """One centre's applications: how many, how far the staff got, and the hours from
    delivery to the first contact of each contacted one."""

    center_id: str
    leads: int
    delivered: int
    contacted: int
    enrolled: int
    declined: int
    hours_to_contact: tuple[float, ...]


class CentreStaffRepo:
    def __init__(self, conn: aiosqlite.Connection, dialect: Dialect = Dialect.sqlite) -> None:
        self._conn = conn
        self._dialect = dialect

    # --- admins ----------------------------------------------------------------------------

    async def admin_centre(self, user_id: int) -> str | None:
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT center_id FROM centre_admins WHERE user_id = ?", (user_id,)
            )
        )
        return str(rows[0][0]) if rows else None

    async def add_admin(self, user_id: int, center_id: str, added_by: int) -> str | None:
        """Make the person an admin of the centre; the centre they administered before."""
        before = await self.admin_centre(user_id)
        await self._conn.execute(
            "INSERT INTO centre_admins (user_id, center_id, added_by) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET center_id = excluded.center_id, "
            "added_by = excluded.added_by, created_at = excluded.created_at",
            (user_id, center_id, added_by),
        )
        return before

    async def remove_admin(self, user_id: int, center_id: str) -> bool:
        cursor = await self._conn.execute(
            "DELETE FROM centre_admins WHERE user_id = ? AND center_id = ?", (user_id, center_id)
        )
        return cursor.rowcount == 1

    async def admins(self, center_id: str | None = None) -> list[CentreAdmin]:
        """The admins of one centre, or of every centre."""
        where = "WHERE a.center_id = ? " if center_id is not None else ""
        rows = await self._conn.execute_fetchall(
            "SELECT a.user_id, a.center_id, a.added_by, a.created_at, "
            "nullif(trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), ''), "
            "u.username FROM centre_admins AS a LEFT JOIN users AS u ON u.id = a.user_id "
            f"{where}ORDER BY a.center_id, a.created_at, a.user_id",
            (center_id,) if center_id is not None else (),
        )
        return [CentreAdmin(*row) for row in rows]

    # --- staff chats -----------------------------------------------------------------------

    async def chat_of(self, center_id: str) -> int | None:
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT chat_id FROM centre_chats WHERE center_id = ?", (center_id,)
            )
        )
        return int(rows[0][0]) if rows else None

    async def centre_of_chat(self, chat_id: int) -> str | None:
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT center_id FROM centre_chats WHERE chat_id = ?", (chat_id,)
            )
        )
        return str(rows[0][0]) if rows else None

    async def bind_chat(self, center_id: str, chat_id: int, bound_by: int) -> None:
        """The chat becomes the centre's staff chat (a chat serves one centre: binding it to
        another centre moves it)."""
        await self._conn.execute("DELETE FROM centre_chats WHERE chat_id = ?", (chat_id,))
        await self._conn.execute(
            "INSERT INTO centre_chats (center_id, chat_id, bound_by) VALUES (?, ?, ?) "
            "ON CONFLICT (center_id) DO UPDATE SET chat_id = excluded.chat_id, "
            "bound_by = excluded.bound_by, created_at = excluded.created_at",
            (center_id, chat_id, bound_by),
        )

    async def unbind_chat(self, center_id: str) -> int | None:
        """Unbind the centre's chat; the chat it had."""
        chat_id = await self.chat_of(center_id)
        await self._conn.execute("DELETE FROM centre_chats WHERE center_id = ?", (center_id,))
        return chat_id

    async def chats(self) -> dict[str, int]:
        rows = await self._conn.execute_fetchall("SELECT center_id, chat_id FROM centre_chats")
        return {str(center_id): int(chat_id) for center_id, chat_id in rows}

    async def region_chat(self, region_slug: str) -> tuple[str, int] | None:
        """A centre of the region that has a staff chat (the first by id), and the chat."""
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT c.id, s.chat_id FROM centers AS c JOIN centre_chats AS s "
                "ON s.center_id = c.id WHERE c.region_slug = ? ORDER BY c.id LIMIT 1",
                (region_slug,),
            )
        )
        return (str(rows[0][0]), int(rows[0][1])) if rows else None

    # --- one-time codes --------------------------------------------------------------------

    async def add_code(
        self, code: str, center_id: str, created_by: int, expires_at: float
    ) -> None:
        await self._conn.execute(
            "INSERT INTO centre_bind_codes (code, center_id, created_by, expires_at) "
            "VALUES (?, ?, ?, ?)",
            (code, center_id, created_by, expires_at),
        )

    async def take_code(self, code: str, now: float) -> tuple[str, int] | None:
        """Use a code once: its centre and who made it, None when unknown or expired."""
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT center_id, created_by, expires_at FROM centre_bind_codes WHERE code = ?",
                (code,),
            )
        )
        await self._conn.execute(
            "DELETE FROM centre_bind_codes WHERE code = ? OR expires_at < ?", (code, now)
        )
        if not rows or float(rows[0][2]) < now:
            return None
        return str(rows[0][0]), int(rows[0][1])

    # --- figures ---------------------------------------------------------------------------

    async def figures(self, center_id: str | None = None) -> list[CentreFigures]:
        """Each centre's applications (online ones, without a centre, are left out)."""
        where = "AND center_id = ? " if center_id is not None else ""
        dialect = self._dialect
        hours = greatest(dialect, "0", hours_between(dialect, "contacted_at", "delivered_at"))
        rows = await self._conn.execute_fetchall(
            "SELECT center_id, count(*), count(delivered_at), "
            "sum(CASE WHEN stage != 'new' THEN 1 ELSE 0 END), "
            "sum(CASE WHEN stage = 'enrolled' THEN 1 ELSE 0 END), "
            "sum(CASE WHEN stage = 'declined' THEN 1 ELSE 0 END), "
            + joined(
                dialect,
                "CASE WHEN contacted_at IS NOT NULL AND delivered_at IS NOT NULL "
                f"THEN {hours} END",
            )
            + f" FROM leads WHERE center_id IS NOT NULL {where}GROUP BY center_id "
            "ORDER BY count(*) DESC, center_id",
            (center_id,) if center_id is not None else (),
        )
        found = []
        for cid, leads, delivered, contacted, enrolled, declined, hours in rows:
            spans = tuple(float(x) for x in hours.split(",")) if hours else ()
            found.append(
                CentreFigures(
                    str(cid),
                    int(leads),
                    int(delivered),
                    int(contacted or 0),
                    int(enrolled or 0),
                    int(declined or 0),
                    spans,
                )
            )
        return found

    async def programme_owners(self, ids: list[str]) -> dict[str, str | None]:
        """The centre of each existing programme among `ids` (None: online)."""
        found: dict[str, str | None] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = await self._conn.execute_fetchall(
                f"SELECT id, center_id FROM programs WHERE id IN ({', '.join('?' * len(chunk))})",
                tuple(chunk),
            )
            found.update({str(pid): cid for pid, cid in rows})
        return found

    async def delete_programmes_except(self, center_id: str, keep: set[str]) -> int:
        """Delete the centre's programmes not in `keep` (a centre's «replace»); how many."""
        rows = await self._conn.execute_fetchall(
            "SELECT id FROM programs WHERE center_id = ?", (center_id,)
        )
        gone = [str(row[0]) for row in rows if str(row[0]) not in keep]
        await self._conn.executemany("DELETE FROM programs WHERE id = ?", [(x,) for x in gone])
        return len(gone)

    async def leads_of(self, center_id: str) -> list[tuple[object, ...]]:
        """The centre's applications for its export."""
        rows = await self._conn.execute_fetchall(
            "SELECT id, coalesce(applied_at, created_at), program_id, program_title, name, "
            "phone, username, quiz_code, status, stage, stage_reason, delivered_at, "
            "contacted_at FROM leads WHERE center_id = ? ORDER BY id",
            (center_id,),
        )
        return [tuple(row) for row in rows]
