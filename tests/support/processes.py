"""The real `python -m bot` as a process of its own: its environment, starting it, stopping it
as a service manager would, and running a command of it to the end."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123:ABC"
# Deadlines for a loaded machine: importing aiogram alone takes seconds. A wait on a process
# ends as soon as the process does what is waited for.
START_SECONDS = 90.0
EXIT_SECONDS = 60.0


def bot_env(folder: Path, api_url: str | None = None, **settings: str) -> dict[str, str]:
    """A clean environment: no BOT_TOKEN or other setting leaks in from the developer's. The
    database is in `folder`; without `api_url` the bot is not pointed at any Bot API."""
    env = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    env.update(
        # The project is installed editable; this keeps the tests working where it is not.
        PYTHONPATH=str(PROJECT_ROOT),
        BOT_TOKEN=TOKEN,
        DATABASE_PATH=str(folder / "bot.sqlite3"),
        LOG_LEVEL="INFO",
    )
    if api_url is not None:
        env["TELEGRAM_API_URL"] = api_url
    env.update(settings)
    return env


async def spawn(
    folder: Path, env: dict[str, str], *args: str, **streams: Any
) -> asyncio.subprocess.Process:
    """`python -m bot [args]` run from `folder`, so no `.env` of the repository is read;
    `streams`: stdin, stdout and stderr as for `asyncio.create_subprocess_exec`."""
    streams.setdefault("stdin", asyncio.subprocess.DEVNULL)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=folder, env=env, **streams
    )


async def kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    await proc.wait()


@dataclass
class BotProcess:
    proc: asyncio.subprocess.Process
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    async def stop(self, timeout: float = EXIT_SECONDS) -> int:
        """SIGTERM, as systemd or Docker would send, then the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), timeout)


@contextlib.asynccontextmanager
async def bot_process(folder: Path, env: dict[str, str], *args: str) -> AsyncIterator[BotProcess]:
    """The bot running while the block runs, its output in `folder / "bot.log"`. The process
    is killed whatever happens; its log is printed for a failing test's report."""
    log_path = folder / "bot.log"
    with log_path.open("wb") as log:
        proc = await spawn(folder, env, *args, stdout=log, stderr=asyncio.subprocess.STDOUT)
        running = BotProcess(proc, log_path)
        try:
            yield running
        finally:
            await kill(proc)
            print(f"--- bot log (exit code {proc.returncode}) ---\n{running.log()}")


@dataclass(frozen=True)
class Finished:
    code: int
    stdout: str
    stderr: str


async def run_bot(
    folder: Path,
    env: dict[str, str],
    *args: str,
    stdin: str | None = None,
    merge_output: bool = False,
    timeout: float = EXIT_SECONDS,
) -> Finished:
    """Run `python -m bot [args]` that is expected to stop by itself, with `stdin` as its
    input; `merge_output` puts stderr into stdout, in the order written."""
    proc = await spawn(
        folder,
        env,
        *args,
        stdin=asyncio.subprocess.DEVNULL if stdin is None else asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT if merge_output else asyncio.subprocess.PIPE,
    )
    try:
        given = None if stdin is None else stdin.encode()
        out, err = await asyncio.wait_for(proc.communicate(given), timeout)
    finally:
        await kill(proc)
    assert proc.returncode is not None
    decoded = [(raw or b"").decode("utf-8", errors="replace") for raw in (out, err)]
    return Finished(proc.returncode, *decoded)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid
