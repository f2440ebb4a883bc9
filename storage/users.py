"""People who talk to the bot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import aiosqlite

Role = Literal["student", "adult", "parent"]
ROLES: tuple[Role, ...] = ("student", "adult", "parent")

_NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
_COLUMNS = (
    "id, first_name, last_name, username, locale, role, region_slug, source, "
    "consent_given_at, consent_withdrawn_at, created_at, last_seen_at, is_blocked, "
    "place_lat, place_lon, place_precision, preferences, age_band, status, place_town, "
    "news_opt_in"
)


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    first_name: str | None
    last_name: str | None
    username: str | None
    locale: str | None
    role: Role | None
    region_slug: str | None
    source: str | None
    consent_given_at: str | None
    consent_withdrawn_at: str | None
    created_at: str
    last_seen_at: str | None
    is_blocked: bool
    place_lat: float | None = None
    place_lon: float | None = None
    place_precision: str | None = None  # 'point' (shared location), 'city' or 'region'
    preferences: str | None = None  # JSON, see bot.domain.ranking.Preferences
    age_band: str | None = None  # a `bot.domain.enrolment.AgeBand` value
    status: str | None = None  # a `bot.domain.enrolment.Status` value
    place_town: int | None = None  # GeoNames id of the settlement (bot/data/towns.csv)
    news_opt_in: bool | None = None  # None: not asked yet

    @property
    def wants_news(self) -> bool:
        return self.has_consent and self.news_opt_in is True

    @property
    def has_consent(self) -> bool:
        return self.consent_given_at is not None


_FIELDS = [name.strip() for name in _COLUMNS.split(",")]


def _row(values: aiosqlite.Row) -> UserRow:
    fields = dict(zip(_FIELDS, values, strict=True))
    fields["is_blocked"] = bool(fields["is_blocked"])
    if fields["news_opt_in"] is not None:
        fields["news_opt_in"] = bool(fields["news_opt_in"])
    return UserRow(**fields)


class UsersRepo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def get(self, user_id: int) -> UserRow | None:
        # execute_fetchall: one round trip to the database thread instead of three.
        rows = list(
            await self._conn.execute_fetchall(
                f"SELECT {_COLUMNS} FROM users WHERE id = ?", (user_id,)
            )
        )
        return _row(rows[0]) if rows else None

    async def ensure(self, user_id: int) -> UserRow:
        """The person's row, created with nothing but the id when it is the first contact."""
        await self._conn.execute("INSERT OR IGNORE INTO users (id) VALUES (?)", (user_id,))
        row = await self.get(user_id)
        assert row is not None
        return row

    async def give_consent(
        self, user_id: int, *, first_name: str | None, last_name: str | None, username: str | None
    ) -> None:
        await self._conn.execute(
            f"UPDATE users SET consent_given_at = {_NOW}, consent_withdrawn_at = NULL, "
            f"first_name = ?, last_name = ?, username = ?, last_seen_at = {_NOW} WHERE id = ?",
            (first_name, last_name, username, user_id),
        )

    async def withdraw_consent(self, user_id: int) -> None:
        """Stop keeping personal data: everything beyond the id and language is cleared."""
        await self._conn.execute(
            f"UPDATE users SET consent_given_at = NULL, consent_withdrawn_at = {_NOW}, "
            "first_name = NULL, last_name = NULL, username = NULL, role = NULL, "
            "region_slug = NULL, source = NULL, last_seen_at = NULL, place_lat = NULL, "
            "place_lon = NULL, place_precision = NULL, place_town = NULL, preferences = NULL, "
            "age_band = NULL, status = NULL, news_opt_in = NULL WHERE id = ?",
            (user_id,),
        )

    async def touch(
        self, user_id: int, *, first_name: str | None, last_name: str | None, username: str | None
    ) -> None:
        """Refresh names and last-seen time of a person who gave consent."""
        await self._conn.execute(
            f"UPDATE users SET first_name = ?, last_name = ?, username = ?, last_seen_at = {_NOW} "
            "WHERE id = ? AND consent_given_at IS NOT NULL",
            (first_name, last_name, username, user_id),
        )

    async def set_locale(self, user_id: int, locale: str) -> None:
        await self._conn.execute("UPDATE users SET locale = ? WHERE id = ?", (locale, user_id))

    async def set_role(self, user_id: int, role: Role) -> None:
        """Kept only with consent; without it the role lives in the conversation state."""
        await self._conn.execute(
            "UPDATE users SET role = ? WHERE id = ? AND consent_given_at IS NOT NULL",
            (role, user_id),
        )

    async def set_source_once(self, user_id: int, source: str) -> bool:
        """Record where a person came from, the first time only, and only with consent."""
        cursor = await self._conn.execute(
            "UPDATE users SET source = ? "
            "WHERE id = ? AND source IS NULL AND consent_given_at IS NOT NULL",
            (source, user_id),
        )
        return cursor.rowcount == 1

    async def set_news_opt_in(self, user_id: int, *, wanted: bool) -> bool:
        """News or not, kept only with consent; False when not kept."""
        cursor = await self._conn.execute(
            "UPDATE users SET news_opt_in = ? WHERE id = ? AND consent_given_at IS NOT NULL",
            (int(wanted), user_id),
        )
        return cursor.rowcount == 1

    async def set_blocked(self, user_id: int, *, blocked: bool) -> None:
        await self._conn.execute(
            "UPDATE users SET is_blocked = ? WHERE id = ?", (int(blocked), user_id)
        )

    async def set_place(
        self,
        user_id: int,
        *,
        region_slug: str,
        lat: float,
        lon: float,
        precision: str,
        town: int | None = None,
    ) -> None:
        """Kept only with consent. A shared location is rounded to about a kilometre."""
        await self._conn.execute(
            "UPDATE users SET region_slug = ?, place_lat = round(?, 2), place_lon = round(?, 2), "
            "place_precision = ?, place_town = ? WHERE id = ? AND consent_given_at IS NOT NULL",
            (region_slug, lat, lon, precision, town, user_id),
        )

    async def set_preferences(self, user_id: int, preferences: str) -> None:
        await self._conn.execute(
            "UPDATE users SET preferences = ? WHERE id = ? AND consent_given_at IS NOT NULL",
            (preferences, user_id),
        )

    async def set_age_band(self, user_id: int, age_band: str) -> None:
        """Kept only with consent; without it the band lives in the conversation state."""
        await self._conn.execute(
            "UPDATE users SET age_band = ? WHERE id = ? AND consent_given_at IS NOT NULL",
            (age_band, user_id),
        )

    async def set_status(self, user_id: int, status: str) -> None:
        await self._conn.execute(
            "UPDATE users SET status = ? WHERE id = ? AND consent_given_at IS NOT NULL",
            (status, user_id),
        )
