"""Is the bot healthy: the database answers, and its file is still the one that was opened.

SQLite keeps working on a file deleted or replaced under it: the bot went on answering from the
unlinked inode, `/healthz` said ok, and at the next start every person and application was
gone. `HealthMonitor` compares the file's device and inode with those recorded at open, every
`HEALTH_INTERVAL` seconds and on every `GET /healthz`. When the file is gone or replaced, the
loss is final: the bot saves what it still holds next to the path (`VACUUM INTO`), writes one
log line saying where, and sets `lost`; the runner stops taking updates (polling stops, the
webhook answers 503, so Telegram keeps them) and `/healthz` answers 503 with the reason.

A probe for Docker's HEALTHCHECK in either mode: `HEALTH_FILE` is touched on every healthy check
and removed when the bot is unhealthy or stops, so "modified within the last minute" means
healthy; `HEALTH_PORT` serves `GET /healthz` (polling mode; webhook mode has it on its port).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings, SettingsError
from storage.db import Database, FileState

if TYPE_CHECKING:
    from aiohttp import web
    from aiohttp.typedefs import Handler

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
# The exit code of a bot stopped after its database was lost.
EXIT_DATABASE_LOST = 3
# A health probe that waits longer than this has its answer already: the database is stuck.
HEALTH_TIMEOUT = 5.0


def package_version() -> str:
    try:
        return importlib.metadata.version("copp-career-bot")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "unknown"


class HealthMonitor:
    def __init__(
        self,
        db: Database,
        *,
        interval: float = 5.0,
        health_file: Path | None = None,
        timeout: float = HEALTH_TIMEOUT,
    ) -> None:
        self._db = db
        self._interval = interval
        self._health_file = health_file
        self._timeout = timeout
        self._task: asyncio.Task[None] | None = None
        # Why the database is lost for good; None while it is not.
        self.reason: str | None = None
        self.lost = asyncio.Event()

    async def check(self) -> str | None:
        """None when healthy, else the problem: a lost database, or a passing one (the
        database did not answer in time) that the next check may not see."""
        if self.reason is not None:
            return self.reason
        state = self._db.file_state()
        if state is not FileState.same:
            await self._lose(state)
            return self.reason
        try:
            async with asyncio.timeout(self._timeout), self._db.autocommit() as repos:
                await repos.ping()
        except TimeoutError:
            return f"no answer within {self._timeout:g} s"
        except Exception as error:  # any failure is an answer for the probe
            return str(error) or type(error).__name__
        return None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="health")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self._forget_health_file()  # a stopped bot is not a healthy one

    async def _run(self) -> None:
        while self.reason is None:
            problem = await self.check()
            if problem is None:
                self._touch_health_file()
            elif self.reason is None:
                logger.warning("Health check failed: %s", problem)
            await asyncio.sleep(self._interval)

    async def _lose(self, state: FileState) -> None:
        if self.reason is not None:
            return
        path = self._db.path
        what = "deleted" if state is FileState.deleted else "replaced by another file"
        self.reason = f"the database file {path} was {what} while the bot was running"
        self._forget_health_file()
        saved = await self._save_copy()
        logger.critical(
            "The database file %s was %s while the bot was running: it stopped taking updates "
            "(they wait at Telegram). %s",
            path,
            what,
            saved,
        )
        self.lost.set()

    async def _save_copy(self) -> str:
        """What the bot still holds, written next to the path; the sentence that says so."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = self._db.path
        assert path is not None  # only a file can be deleted or replaced
        target = path.with_name(f"{path.name}.saved-{stamp}")
        try:
            await self._db.save_copy(target)
        except Exception as error:
            return (
                f"Its data could not be saved ({error}); it is still open in process "
                f"{os.getpid()} (see /proc/{os.getpid()}/fd): copy it from there before "
                "stopping the bot."
            )
        # Saved: the bot's -wal and -shm beside the path must not mix into another file.
        self._db.remove_own_journal()
        return (
            f"Its data as the bot had it is saved in {target}: stop the bot, check the file, "
            "and put it at DATABASE_PATH to go on with it."
        )

    def _touch_health_file(self) -> None:
        if self._health_file is None:
            return
        try:
            self._health_file.touch()
        except OSError as error:
            logger.warning("HEALTH_FILE %s cannot be written: %s", self._health_file, error)

    def _forget_health_file(self) -> None:
        if self._health_file is not None:
            with contextlib.suppress(OSError):
                self._health_file.unlink(missing_ok=True)


def health_view(monitor: HealthMonitor, version: str) -> Handler:
    """`GET /healthz`: 200 when healthy, else 503 with the reason in `"database"`."""

    from aiohttp import web  # noqa: PLC0415 (aiohttp's server only when serving: start-up time)

    async def health(request: web.Request) -> web.StreamResponse:
        problem = await monitor.check()
        if problem is None:
            return web.json_response({"status": "ok", "version": version, "database": "ok"})
        return web.json_response(
            {"status": "error", "version": version, "database": problem}, status=503
        )

    return health


async def serve_health(monitor: HealthMonitor, settings: Settings) -> web.AppRunner:
    from aiohttp import web  # noqa: PLC0415 (aiohttp's server only when serving: start-up time)

    """`GET /healthz` on `HEALTH_HOST`:`HEALTH_PORT`, for polling mode."""
    assert settings.health_port is not None
    app = web.Application()
    app.router.add_get(HEALTH_PATH, health_view(monitor, package_version()))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.health_host, settings.health_port)
    try:
        await site.start()
    except OSError as error:
        await runner.cleanup()
        raise SettingsError(
            f"HEALTH_HOST and HEALTH_PORT ({settings.health_host}:{settings.health_port}) "
            f"cannot be used ({error.strerror or error}); is another process listening there?"
        ) from None
    return runner
