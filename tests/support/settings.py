"""Settings of the in-process bot in tests: a real SQLite file in the test's folder."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings

TEST_TOKEN = "42:TEST-token"
ADMIN_ID = 9001
# The consultants' group chat, where applications and questions go.
STAFF_CHAT = -1001234567890


def make_settings(folder: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_path": folder / "bot.sqlite3",
        "admin_ids": frozenset({ADMIN_ID}),
        "default_locale": "ru",
    }
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[arg-type]
