"""Classes of teachers and parents, who is in them, and results shared by a link.

A class summary is built from counts only: nothing here returns one pupil's answers or
scores, or who a member is."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True, slots=True)
class ClassRow:
    id: int
    code: str
    name: str
    owner_id: int
    created_at: str


@dataclass(frozen=True, slots=True)
class ClassCounts:
    members: int  # pupils in the class who agreed to data storage
    finished: int  # of them, who finished the school test
    leading: dict[str, int]  # leading school type → how many pupils (clear results only)
    unclear: int  # finished without a clear leading type


_CLASS = "SELECT id, code, name, user_id, created_at FROM classes"
# The latest school-test code of each member who agreed to data storage.
_MEMBER_CODES = (
    "SELECT m.user_id, (SELECT q.code FROM quiz_results AS q WHERE q.user_id = m.user_id "
    "AND q.instrument = 'klimov' ORDER BY q.id DESC LIMIT 1) AS code, "
    "EXISTS (SELECT 1 FROM quiz_results AS q WHERE q.user_id = m.user_id "
    "AND q.instrument = 'klimov') AS done "
    "FROM class_members AS m JOIN users AS u ON u.id = m.user_id "
    "WHERE m.class_id = ? AND u.consent_given_at IS NOT NULL"
)


class ClassesRepo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def create(self, code: str, name: str, owner_id: int) -> ClassRow:
        cursor = await self._conn.execute(
            "INSERT INTO classes (code, name, user_id) VALUES (?, ?, ?) RETURNING id",
            (code, name, owner_id),
        )
        created = await cursor.fetchone()
        assert created is not None
        row = await self.get(int(created[0]))
        assert row is not None
        return row

    async def get(self, class_id: int) -> ClassRow | None:
        rows = list(await self._conn.execute_fetchall(f"{_CLASS} WHERE id = ?", (class_id,)))
        return ClassRow(*rows[0]) if rows else None

    async def by_code(self, code: str) -> ClassRow | None:
        rows = list(await self._conn.execute_fetchall(f"{_CLASS} WHERE code = ?", (code,)))
        return ClassRow(*rows[0]) if rows else None

    async def of_owner(self, owner_id: int) -> list[ClassRow]:
        rows = await self._conn.execute_fetchall(
            f"{_CLASS} WHERE user_id = ? ORDER BY id", (owner_id,)
        )
        return [ClassRow(*row) for row in rows]

    async def join(self, user_id: int, class_id: int) -> None:
        """The pupil is in this class now (the latest class opened counts)."""
        await self._conn.execute(
            "INSERT INTO class_members (user_id, class_id) VALUES (?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET class_id = excluded.class_id, "
            "joined_at = excluded.joined_at",
            (user_id, class_id),
        )

    async def class_of(self, user_id: int) -> int | None:
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT class_id FROM class_members WHERE user_id = ?", (user_id,)
            )
        )
        return int(rows[0][0]) if rows else None

    async def counts(self, class_id: int) -> ClassCounts:
        rows = await self._conn.execute_fetchall(_MEMBER_CODES, (class_id,))
        members = finished = unclear = 0
        leading: dict[str, int] = {}
        for _user_id, code, done in rows:
            members += 1
            if not done:
                continue
            finished += 1
            if code:
                first = str(code).split("+")[0]
                leading[first] = leading.get(first, 0) + 1
            else:
                unclear += 1
        return ClassCounts(members, finished, leading, unclear)

    async def member_codes(self, class_id: int) -> list[str | None]:
        """The latest school-test code of each pupil who finished, in no particular order
        (for the fields a class likes; never tied to a pupil)."""
        rows = await self._conn.execute_fetchall(_MEMBER_CODES, (class_id,))
        return sorted((str(code) if code else None for _u, code, done in rows if done), key=str)

    # --- shared results ------------------------------------------------------------------------

    async def share(self, token: str, user_id: int, result_id: int) -> None:
        await self._conn.execute(
            "INSERT INTO shared_results (token, user_id, result_id) VALUES (?, ?, ?)",
            (token, user_id, result_id),
        )

    async def shared(self, token: str) -> tuple[int, int] | None:
        """(owner's user id, result id) of a shared result, if the link is still valid."""
        rows = list(
            await self._conn.execute_fetchall(
                "SELECT s.user_id, s.result_id FROM shared_results AS s "
                "JOIN users AS u ON u.id = s.user_id "
                "WHERE s.token = ? AND u.consent_given_at IS NOT NULL",
                (token,),
            )
        )
        return (int(rows[0][0]), int(rows[0][1])) if rows else None

    async def revoke_shares(self, user_id: int) -> int:
        cursor = await self._conn.execute(
            "DELETE FROM shared_results WHERE user_id = ?", (user_id,)
        )
        return cursor.rowcount
