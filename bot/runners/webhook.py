"""Webhook mode: an aiohttp server that Telegram (usually through a reverse proxy) posts to.

`python -m bot webhook` serves two routes: the webhook path taken from `WEBHOOK_URL` (POST,
checked against `WEBHOOK_SECRET`) and `GET /healthz`. The dispatcher's start-up and shutdown
hooks run as in polling mode, so a stop drains the updates being handled here too.

When the database file is deleted or replaced under the bot (see `bot/runtime/health.py`),
Telegram's posts get 503, so Telegram keeps the updates and tries again later, the background
work (broadcasts, reminders) stops, and `/healthz` answers 503 with the reason until the
process is stopped; it then exits with `EXIT_DATABASE_LOST`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramBadRequest, TelegramUnauthorizedError
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from bot.app import (
    DRAIN_SECONDS,
    create_bot,
    create_dispatcher,
    stop_broadcasts,
    stop_reminders,
    stop_workers,
)
from bot.config import Settings, SettingsError
from bot.runners.signals import stop_on_signals
from bot.runtime import health, startup
from bot.runtime.health import EXIT_DATABASE_LOST, HEALTH_PATH, HealthMonitor, package_version
from bot.runtime.heap import settle_heap
from bot.runtime.services import Services
from bot.services.database import open_database
from storage.db import Database

__all__ = ["HEALTH_PATH", "health_view", "package_version", "run_webhook", "webhook_target"]

logger = logging.getLogger(__name__)

DEFAULT_PATH = "/webhook"
# Telegram's rule for secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """Where Telegram posts (`url`), the route that serves it (`path`) and the secret."""

    url: str
    path: str
    secret: str


def webhook_target(settings: Settings) -> WebhookTarget:
    """The webhook settings, checked; SettingsError names the variable that is wrong."""
    if not settings.webhook_url:
        raise SettingsError(
            "WEBHOOK_URL is not set: give the public HTTPS address Telegram should post "
            "updates to, e.g. https://bot.example.ru/webhook, or run polling: python -m bot"
        )
    parts = urlsplit(settings.webhook_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(
            f"WEBHOOK_URL is invalid (got {settings.webhook_url!r}): "
            "it must be an address like https://bot.example.ru/webhook."
        )
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if not secret:
        raise SettingsError(
            "WEBHOOK_SECRET is not set: choose a random string of letters, digits, _ and - "
            "(for example from: openssl rand -hex 32) so that only Telegram can post updates."
        )
    if not _SECRET.match(secret):
        raise SettingsError(
            "WEBHOOK_SECRET is invalid: Telegram accepts 1 to 256 characters, "
            "only letters A-Z and a-z, digits, _ and -."
        )
    path = parts.path
    if path in ("", "/"):
        # The URL Telegram gets and the route served must agree, so the default path is
        # added to the registered URL too.
        path = DEFAULT_PATH
        parts = parts._replace(path=path)
    return WebhookTarget(url=urlunsplit(parts), path=path, secret=secret)


def health_view(db: Database, version: str, monitor: HealthMonitor | None = None) -> Handler:
    """`GET /healthz`: 200 when the database answers `SELECT 1` and its file is the one
    opened, else 503 with the reason."""
    return health.health_view(monitor or HealthMonitor(db), version)


def create_app(
    dispatcher: Dispatcher,
    bot: Bot,
    db: Database,
    target: WebhookTarget,
    monitor: HealthMonitor | None = None,
) -> web.Application:
    monitor = monitor or HealthMonitor(db)
    app = web.Application(middlewares=[_refuse_updates_when_lost(monitor, target.path)])
    # Registered first, so on shutdown the dispatcher drains its updates before the
    # request handler closes the bot's HTTP session.
    setup_application(app, dispatcher, bot=bot)
    # Telegram gets its 200 once the update has been handled: an update whose worker dies
    # on it (SIGKILL, a lost host) gets no 200, and Telegram posts it again, to this or
    # another worker. The quiz takes a repeated answer once (the question index in its
    # callback data). Shutdown lets the requests being handled finish.
    SimpleRequestHandler(
        dispatcher, bot, handle_in_background=False, secret_token=target.secret
    ).register(app, path=target.path)
    app.router.add_get(HEALTH_PATH, health_view(db, package_version(), monitor))
    return app


def _refuse_updates_when_lost(monitor: HealthMonitor, path: str) -> Middleware:
    """Telegram's posts get 503 once the database is lost: Telegram keeps the update and
    posts it again later, instead of it being answered from a file nobody will see."""

    @web.middleware
    async def refuse(request: web.Request, handler: Handler) -> web.StreamResponse:
        if monitor.reason is not None and request.path == path:
            return web.json_response({"ok": False, "description": monitor.reason}, status=503)
        return await handler(request)

    return refuse


async def run_webhook(
    settings: Settings, *, delete_on_exit: bool = False, stop: asyncio.Event | None = None
) -> int:
    """Serve until SIGTERM or SIGINT (or until `stop` is set, when one is given); the exit
    code: 0, or `EXIT_DATABASE_LOST`."""
    token = settings.require_token()
    target = webhook_target(settings)
    db = await open_database(settings.database)
    startup.mark("database")
    try:
        bot = create_bot(settings, token=token)
        monitor = HealthMonitor(
            db, interval=settings.health_interval, health_file=settings.health_file
        )
        try:
            dispatcher = create_dispatcher(settings, db)
            startup.mark("dispatcher")
            # Last of the start-up hooks: what start-up built is frozen (bot/runtime/heap.py).
            dispatcher.startup.register(settle_heap)
            dispatcher.startup.register(startup.log_ready)
            app = create_app(dispatcher, bot, db, target, monitor)
            signals = stop_on_signals if stop is None else _no_signals
            stop = stop or asyncio.Event()
            with signals(stop):
                monitor.start()
                pause = asyncio.create_task(_pause_work_when_lost(monitor, dispatcher))
                try:
                    await _serve(app, settings, bot, dispatcher, target, stop, delete_on_exit)
                finally:
                    pause.cancel()
                    await monitor.stop()
        finally:
            await bot.session.close()
    finally:
        await db.close()
    return EXIT_DATABASE_LOST if monitor.reason is not None else 0


async def _pause_work_when_lost(monitor: HealthMonitor, dispatcher: Dispatcher) -> None:
    """Broadcasts and reminders stop with the database: nothing is sent from a lost file."""
    await monitor.lost.wait()
    services: Services = dispatcher["services"]
    await stop_workers(services)
    await stop_broadcasts(services)
    await stop_reminders(services)


async def _serve(
    app: web.Application,
    settings: Settings,
    bot: Bot,
    dispatcher: Dispatcher,
    target: WebhookTarget,
    stop: asyncio.Event,
    delete_on_exit: bool,
) -> None:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=DRAIN_SECONDS)
    await runner.setup()  # the dispatcher's start-up hooks run here
    try:
        site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
        try:
            await site.start()
        except OSError as error:
            raise SettingsError(
                f"WEBHOOK_HOST and WEBHOOK_PORT ({settings.webhook_host}:"
                f"{settings.webhook_port}) cannot be used ({error.strerror or error}); "
                "is another process listening there?"
            ) from None
        # Registered only once the server listens, so Telegram's first post finds it.
        await _register(bot, dispatcher, target)
        logger.info(
            "Webhook %s is served on %s:%d",
            target.url,
            settings.webhook_host,
            settings.webhook_port,
        )
        await stop.wait()
        logger.info("Stopping the webhook server")
        if delete_on_exit:
            await bot.delete_webhook(drop_pending_updates=False)
            logger.info("Webhook deleted: Telegram keeps new updates until one is set again")
    finally:
        await runner.cleanup()  # stops listening, then the dispatcher's shutdown hooks


async def _register(bot: Bot, dispatcher: Dispatcher, target: WebhookTarget) -> None:
    try:
        await bot.set_webhook(
            target.url,
            secret_token=target.secret,
            allowed_updates=dispatcher.resolve_used_update_types(),
            drop_pending_updates=False,
        )
    except TelegramUnauthorizedError:
        raise SettingsError(
            "BOT_TOKEN was rejected by Telegram: check it with @BotFather."
        ) from None
    except TelegramBadRequest as error:
        raise SettingsError(f"Telegram did not accept WEBHOOK_URL: {error.message}.") from None


@contextlib.contextmanager
def _no_signals(stop: asyncio.Event) -> Iterator[None]:
    """The caller sets `stop` itself (tests, or a host application)."""
    yield
