"""Shared fixtures: a real SQLite file, the real dispatcher, and a simulated person."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.runtime.offline import ChatSimulator, OfflineSession
from bot.services.database import open_database
from storage.db import Database

TEST_TOKEN = "42:TEST-token"
ADMIN_ID = 9001

MakeClient = Callable[..., Awaitable[ChatSimulator]]


def make_settings(folder: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_path": folder / "bot.sqlite3",
        "admin_ids": frozenset({ADMIN_ID}),
        "default_locale": "ru",
    }
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = await open_database(settings.database_path)
    yield database
    await database.close()


@pytest.fixture
def session() -> OfflineSession:
    return OfflineSession()


@pytest.fixture
def bot(settings: Settings, session: OfflineSession) -> Bot:
    return create_bot(settings, session=session, token=TEST_TOKEN)


@pytest.fixture
def dispatcher(settings: Settings, db: Database) -> Dispatcher:
    # Journeys type faster than any person; throttling has tests of its own.
    return create_dispatcher(settings, db, throttle=False)


@pytest.fixture
def make_client(dispatcher: Dispatcher, bot: Bot, session: OfflineSession) -> MakeClient:
    async def make(
        user_id: int = 1001, first_name: str = "Аня", language_code: str | None = "ru"
    ) -> ChatSimulator:
        return ChatSimulator(
            dispatcher,
            bot,
            session,
            user_id=user_id,
            first_name=first_name,
            language_code=language_code,
        )

    return make


@pytest.fixture
async def client(make_client: MakeClient) -> ChatSimulator:
    return await make_client()
