"""Redis shared by several bot processes: conversations go on through another process,
one person's updates wait for each other across processes, and nothing is left behind.

The tests use a real server: `REDIS_TEST_URL` when set, otherwise a `redis-server` started
here on a free port; without either they are skipped.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis

from bot.app import create_dispatcher
from bot.config import Settings, SettingsError
from bot.runtime.offline import ChatSimulator, OfflineSession
from bot.services.database import open_database
from handlers.quiz.callbacks import QuizAction
from storage.db import Database
from tests.support.chat import onboard, start_quiz, tap_quiz
from tests.support.instances import make_bot, shut_down, start_up, two_connections
from tests.support.processes import START_SECONDS, free_port
from tests.support.settings import make_settings
from tests.support.sql import query
from tests.support.waits import DEADLINE_SECONDS, until


async def test_an_unreachable_redis_stops_start_up_naming_redis_url(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    db = await open_database(settings.database)
    try:
        dispatcher = create_dispatcher(settings, db)
        assert isinstance(dispatcher.storage, RedisStorage)
        with pytest.raises(SettingsError, match=r"^REDIS_URL cannot be used"):
            await start_up(dispatcher, make_bot(settings, OfflineSession()))
    finally:
        await db.close()


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("REDIS_TEST_URL")
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs Redis: set REDIS_TEST_URL or install redis-server")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _answers_ping(port):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def redis_settings(redis_url: str, tmp_path: Path) -> Settings:
    return make_settings(tmp_path, redis_url=redis_url)


def person_id() -> int:
    """A new person per test: the server may be shared, and its keys outlive a test."""
    return random.randrange(10**9, 2 * 10**9)


async def forget_keys(url: str, *user_ids: int) -> None:
    client = Redis.from_url(url)
    try:
        for user_id in user_ids:
            keys = [key async for key in client.scan_iter(match=f"fsm:*:{user_id}:*")]
            if keys:
                await client.delete(*keys)
    finally:
        await client.aclose()


async def test_a_quiz_started_through_one_process_goes_on_through_another(
    redis_settings: Settings, redis_url: str
) -> None:
    session = OfflineSession()
    bot = make_bot(redis_settings, session)
    user_id = person_id()
    async with two_connections(redis_settings.database) as (db_a, db_b):
        dp_a = create_dispatcher(redis_settings, db_a, throttle=False)
        dp_b = create_dispatcher(redis_settings, db_b, throttle=False)
        try:
            client = ChatSimulator(dp_a, bot, session, user_id=user_id, first_name="Аня")
            await onboard(client)
            await start_quiz(client, "Тест интересов")
            for _ in range(3):
                await tap_quiz(client, QuizAction.answer, 4)
            assert client.last_text.startswith("Вопрос 4 из 30")

            client.dispatcher = dp_b  # the next update reaches the other process
            await tap_quiz(client, QuizAction.answer, 4)
            assert client.last_text.startswith("Вопрос 5 из 30")
            await tap_quiz(client, QuizAction.back)
            assert client.last_text.startswith("Вопрос 4 из 30")

            client.dispatcher = dp_a
            await tap_quiz(client, QuizAction.answer, 2)
            assert client.last_text.startswith("Вопрос 5 из 30")
        finally:
            await dp_a.fsm.close()
            await dp_b.fsm.close()
            await forget_keys(redis_url, user_id)
        rows = await query(db_a, "SELECT count(*) FROM fsm_state")
        assert rows[0][0] == 0  # the conversation lives in Redis, not in the file


async def test_one_persons_updates_wait_for_each_other_across_processes(
    redis_settings: Settings, redis_url: str
) -> None:
    user_id, other_id = person_id(), person_id()
    async with two_connections(redis_settings.database) as (db_a, db_b):
        dp_a = create_dispatcher(redis_settings, db_a, throttle=False)
        dp_b = create_dispatcher(redis_settings, db_b, throttle=False)
        session_b, session_other = OfflineSession(), OfflineSession()
        person = ChatSimulator(
            dp_b, make_bot(redis_settings, session_b), session_b, user_id=user_id
        )
        other = ChatSimulator(
            dp_b, make_bot(redis_settings, session_other), session_other, user_id=other_id
        )
        key = StorageKey(bot_id=42, chat_id=user_id, user_id=user_id)
        try:
            # Process A is handling an update of this person (it holds their lock).
            async with dp_a.fsm.events_isolation.lock(key):
                waiting = asyncio.create_task(person.send("/help"))
                # Nobody else waits: another person's whole update is handled meanwhile.
                await asyncio.wait_for(other.send("/help"), DEADLINE_SECONDS)
                assert session_other.requests
                assert not waiting.done() and not session_b.requests
            replies = await asyncio.wait_for(waiting, DEADLINE_SECONDS)
            assert replies, "the update went on once process A was done"
        finally:
            await dp_a.fsm.close()
            await dp_b.fsm.close()
            await forget_keys(redis_url, user_id, other_id)


async def keys_of(url: str, user_id: int) -> list[bytes]:
    client = Redis.from_url(url)
    try:
        return [key async for key in client.scan_iter(match=f"fsm:*:{user_id}:*")]
    finally:
        await client.aclose()


async def test_forget_leaves_nothing_about_the_person_in_redis(
    redis_settings: Settings, redis_url: str, db: Database
) -> None:
    dispatcher = create_dispatcher(redis_settings, db, throttle=False)
    session = OfflineSession()
    user_id = person_id()
    client = ChatSimulator(dispatcher, make_bot(redis_settings, session), session, user_id=user_id)
    try:
        await onboard(client)
        await start_quiz(client, "Тест интересов")
        await tap_quiz(client, QuizAction.answer, 4)
        assert await keys_of(redis_url, user_id)
        await client.send("/forget")
        await client.click("Да, удалить всё")
        assert "удалены" in client.last_text
        assert await keys_of(redis_url, user_id) == []
    finally:
        await dispatcher.fsm.close()
        await forget_keys(redis_url, user_id)


async def client_count(url: str) -> int:
    admin = Redis.from_url(url)
    try:
        clients = await admin.client_list()
    finally:
        await admin.aclose()
    return len(clients) - 1  # less this one


async def test_shutdown_closes_the_redis_connections_after_the_updates_drain(
    redis_settings: Settings, redis_url: str, db: Database
) -> None:
    dispatcher = create_dispatcher(redis_settings, db, throttle=False)
    assert dispatcher.shutdown.handlers[-1].callback == dispatcher.fsm.close
    before = await client_count(redis_url)
    session = OfflineSession()
    bot = make_bot(redis_settings, session)
    user_id = person_id()
    await start_up(dispatcher, bot)
    try:
        await ChatSimulator(dispatcher, bot, session, user_id=user_id).send("/start")
        assert await client_count(redis_url) > before
    finally:
        await shut_down(dispatcher, bot)
        await forget_keys(redis_url, user_id)

    async def all_closed() -> bool:
        return await client_count(redis_url) == before

    # The server notices closed connections a moment later.
    await until(all_closed, "the server sees the connections closed")
