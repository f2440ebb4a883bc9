"""Webhook mode: the real `python -m bot webhook` process, Telegram's posts over real HTTP, and
the fake Bot API for what the bot sends back."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings, SettingsError
from bot.runners.webhook import (
    HEALTH_PATH,
    health_view,
    package_version,
    run_webhook,
    webhook_target,
)
from storage.db import SqliteDatabase
from tests.support.fake_api import FakeBotApi
from tests.support.http_chat import USER_ID, to_user
from tests.support.processes import (
    EXIT_SECONDS,
    START_SECONDS,
    TOKEN,
    bot_env,
    bot_process,
    free_port,
    run_bot,
)
from tests.support.settings import make_settings
from tests.support.waits import until

SECRET = "s3cret_Token-for-tests"
WEBHOOK_URL = "https://bot.example.test/tg/updates"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
INTRUDER_IDS = (6001, 6002)


def webhook_env(tmp_path: Path, api_url: str, port: int, **settings: str) -> dict[str, str]:
    values = {
        "WEBHOOK_URL": WEBHOOK_URL,
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_HOST": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
    }
    return bot_env(tmp_path, api_url, **(values | settings))


def webhook_settings(tmp_path: Path, api_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "bot_token": TOKEN,
        "telegram_api_url": api_url,
        "webhook_url": WEBHOOK_URL,
        "webhook_secret": SECRET,
        "webhook_host": "127.0.0.1",
        "webhook_port": free_port(),
    }
    return make_settings(tmp_path, **(values | overrides))


def start_update(update_id: int, user_id: int) -> dict[str, Any]:
    """A private `/start` as Telegram posts it to a webhook."""
    user = {"id": user_id, "is_bot": False, "first_name": "Аня", "language_code": "ru"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Аня"},
            "from": user,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_webhook_journey_over_http(api: FakeBotApi, tmp_path: Path) -> None:
    """Registration, health, the secret check, a real answer, and a SIGTERM mid-answer."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with (
        bot_process(tmp_path, webhook_env(tmp_path, api.url, port), "webhook") as bot,
        aiohttp.ClientSession() as http,
    ):
        # setWebhook comes once the server listens, so it can be posted to right away.
        registered = await api.wait_for("setWebhook", timeout=START_SECONDS)
        assert registered.params["url"] == WEBHOOK_URL
        assert registered.params["secret_token"] == SECRET
        assert {"message", "callback_query", "my_chat_member"} <= set(
            registered.params["allowed_updates"]
        )
        assert registered.params["drop_pending_updates"] is False

        async with http.get(base + HEALTH_PATH) as response:
            assert response.status == 200
            assert await response.json() == {
                "status": "ok",
                "version": package_version(),
                "database": "ok",
            }

        forged: list[dict[str, str]] = [{}, {SECRET_HEADER: "not-the-secret"}]
        for update_id, (intruder, headers) in enumerate(zip(INTRUDER_IDS, forged, strict=True)):
            update = start_update(100 + update_id, intruder)
            async with http.post(base + "/tg/updates", json=update, headers=headers) as response:
                assert response.status == 401

        # Slow answers: the greeting is still in flight when SIGTERM comes.
        api.latency = 0.5
        update = start_update(200, USER_ID)
        headers = {SECRET_HEADER: SECRET}
        async with http.post(base + "/tg/updates", json=update, headers=headers) as response:
            assert response.status == 200
        await api.wait_for("sendMessage", to_user("Здравствуйте"))
        assert await bot.stop() == 0
        # The consent question follows the greeting's answer: shutdown let the update finish.
        consent = await api.wait_for("sendMessage", to_user("согласие"), timeout=0)
        assert consent.status == 200
        answered = {call.params.get("chat_id") for call in api.calls_of("sendMessage")}
        assert answered == {USER_ID}, "a post without the right secret was handled"

        log = bot.log()
        assert "Traceback" not in log
        assert SECRET not in log

    assert api.calls_of("deleteWebhook") == [], "the webhook is kept unless asked"
    with contextlib.closing(sqlite3.connect(tmp_path / "bot.sqlite3")) as conn:
        users = {row[0] for row in conn.execute("SELECT id FROM users")}
    assert USER_ID in users
    assert not users & set(INTRUDER_IDS)


async def test_without_webhook_url_names_the_variable(api: FakeBotApi, tmp_path: Path) -> None:
    env = webhook_env(tmp_path, api.url, free_port())
    del env["WEBHOOK_URL"]
    finished = await run_bot(tmp_path, env, "webhook")
    stderr = finished.stderr
    assert finished.code == 2
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "WEBHOOK_URL" in stderr
    assert "Traceback" not in stderr
    assert api.calls == []


@pytest.mark.parametrize(
    ("url", "registered", "path"),
    [
        ("https://bot.example.ru/tg/updates", "https://bot.example.ru/tg/updates", "/tg/updates"),
        ("https://bot.example.ru/hook/", "https://bot.example.ru/hook/", "/hook/"),
        ("https://bot.example.ru", "https://bot.example.ru/webhook", "/webhook"),
        ("https://bot.example.ru:8443/", "https://bot.example.ru:8443/webhook", "/webhook"),
    ],
)
def test_the_path_served_is_the_path_registered(
    tmp_path: Path, url: str, registered: str, path: str
) -> None:
    target = webhook_target(make_settings(tmp_path, webhook_url=url, webhook_secret=SECRET))
    assert (target.url, target.path, target.secret) == (registered, path, SECRET)


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"webhook_secret": SECRET}, "WEBHOOK_URL"),
        ({"webhook_url": "bot.example.ru/webhook", "webhook_secret": SECRET}, "WEBHOOK_URL"),
        ({"webhook_url": WEBHOOK_URL}, "WEBHOOK_SECRET"),
        ({"webhook_url": WEBHOOK_URL, "webhook_secret": "has spaces"}, "WEBHOOK_SECRET"),
        ({"webhook_url": WEBHOOK_URL, "webhook_secret": "x" * 257}, "WEBHOOK_SECRET"),
    ],
)
def test_bad_webhook_settings_name_the_variable(
    tmp_path: Path, overrides: dict[str, object], variable: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        webhook_target(make_settings(tmp_path, **overrides))
    message = str(raised.value)
    assert message.startswith(variable)
    assert "\n" not in message
    assert "has spaces" not in message, "the secret is never shown"


async def test_delete_on_exit_removes_the_webhook(api: FakeBotApi, tmp_path: Path) -> None:
    stop = asyncio.Event()
    serving = asyncio.create_task(
        run_webhook(webhook_settings(tmp_path, api.url), delete_on_exit=True, stop=stop)
    )
    try:
        await api.wait_for("setWebhook")
        stop.set()
        await asyncio.wait_for(serving, EXIT_SECONDS)
    finally:
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)
    [deleted] = api.calls_of("deleteWebhook")
    assert deleted.params["drop_pending_updates"] is False


async def test_refused_webhook_url_is_one_sentence_and_cleans_up(
    api: FakeBotApi, tmp_path: Path
) -> None:
    before = _sqlite_threads()
    api.fail_next("setWebhook", 400, "Bad Request: bad webhook: Failed to resolve host")
    with pytest.raises(SettingsError) as raised:
        await asyncio.wait_for(run_webhook(webhook_settings(tmp_path, api.url)), EXIT_SECONDS)
    assert str(raised.value) == (
        "Telegram did not accept WEBHOOK_URL: Bad Request: bad webhook: Failed to resolve host."
    )
    await until(lambda: _sqlite_threads() <= before, "the database is closed")


async def test_busy_port_names_the_variables(api: FakeBotApi, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SettingsError) as raised:
            await asyncio.wait_for(
                run_webhook(webhook_settings(tmp_path, api.url, webhook_port=port)), EXIT_SECONDS
            )
    assert str(raised.value).startswith(f"WEBHOOK_HOST and WEBHOOK_PORT (127.0.0.1:{port})")
    assert api.calls_of("setWebhook") == []


async def test_health_is_503_when_the_database_is_gone(tmp_path: Path) -> None:
    db = await SqliteDatabase.open(tmp_path / "bot.sqlite3")
    app = web.Application()
    app.router.add_get(HEALTH_PATH, health_view(db, "1.2.3"))
    async with TestClient(TestServer(app)) as client:
        response = await client.get(HEALTH_PATH)
        assert response.status == 200
        await db.close()
        response = await client.get(HEALTH_PATH)
        assert response.status == 503
        body = await response.json()
    assert body["status"] == "error"
    assert body["version"] == "1.2.3"
    assert body["database"] and body["database"] != "ok"


def _sqlite_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if "_connection_worker_thread" in t.name}
