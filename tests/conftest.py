"""Shared fixtures: a real SQLite file, the real dispatcher, a simulated person, the consultants'
chat, and the fake Bot API over HTTP.

A test or module marked `staff_chat` gets settings with the consultants' chat configured."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Chat

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.runtime.offline import ChatSimulator, OfflineSession
from bot.services.database import open_database
from storage.db import Database
from tests.support.chat import MakeClient
from tests.support.fake_api import FakeBotApi
from tests.support.postgres import (
    database_for_test,
    drop_database,
    drop_template,
    pg_url,  # noqa: F401  (a fixture, named by tests)
    suite_on_postgres,
)
from tests.support.settings import ADMIN_ID, STAFF_CHAT, TEST_TOKEN, make_settings

# Tests import these from tests.support; the names stay here for tests written before.
__all__ = ["ADMIN_ID", "TEST_TOKEN", "MakeClient", "make_settings"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "staff_chat: the settings name the consultants' chat (CONSULTANT_CHAT_ID)"
    )
    config.addinivalue_line(
        "markers", "postgres: needs the PostgreSQL server of POSTGRES_TEST_URL (else skipped)"
    )


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No setting from the environment, and the test's folder as the working directory."""
    for name in list(os.environ):
        if name in Settings.model_fields or name.lower() in Settings.model_fields:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    return tmp_path


@pytest.fixture(scope="session", autouse=True)
def _postgres_template() -> Iterator[None]:
    """With `TEST_DATABASE=postgresql`: the template database is dropped at the end."""
    yield
    if suite_on_postgres():
        asyncio.run(drop_template())


@pytest.fixture
async def settings(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Settings]:
    """The test's settings: a SQLite file in its folder, or with `TEST_DATABASE=postgresql` a
    PostgreSQL database of its own (dropped after the test)."""
    extra: dict[str, object] = {}
    if request.node.get_closest_marker("staff_chat"):
        extra["consultant_chat_id"] = STAFF_CHAT
    if not suite_on_postgres():
        yield make_settings(tmp_path, **extra)
        return
    url = await database_for_test()
    try:
        yield make_settings(tmp_path, database_url=url, **extra)
    finally:
        await drop_database(url)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = await open_database(settings.database)
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


@pytest.fixture
def staff(dispatcher: Dispatcher, bot: Bot, session: OfflineSession) -> ChatSimulator:
    """A consultant writing in the consultants' group chat."""
    return ChatSimulator(
        dispatcher,
        bot,
        session,
        user_id=4242,
        first_name="Консультант",
        chat=Chat(id=STAFF_CHAT, type="supergroup", title="Консультанты ЦОПП"),
    )


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake
