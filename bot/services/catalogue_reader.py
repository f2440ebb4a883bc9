"""Catalogue files are read in a child process, never on the bot's event loop.

Parsing a spreadsheet is CPU work in pure Python: a file of a million formatted empty rows
took the bot 17 s, during which nobody got an answer. So an upload is handed to a fresh
`python` process that reads it with the domain's streaming reader and its row, column, cell
and unpacked-size limits, under a memory limit it sets on itself (`RLIMIT_AS`) and a lower
CPU priority; the bot waits for the answer without blocking and kills the child at the
deadline. One file is read at a time; another upload waits its turn.

The child gets the file and the known centre and region ids on stdin and answers with the
`ImportResult` on stdout (pickled: both ends are this module).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import resource
import signal
import sys
import weakref
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.domain.catalogue_files import (
    FileLimits,
    FileProblem,
    ImportResult,
    Problem,
    read_file,
)

logger = logging.getLogger(__name__)

# The folder that holds the `bot` package: the child imports it from there.
_ROOT = str(Path(__file__).resolve().parents[2])
_CHILD = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from bot.services.catalogue_reader import child_main; child_main()"
)
# Below the bot's own priority: the person waiting for an answer comes first.
_NICENESS = 10
# One reading at a time in each event loop (a loop of its own per test, or per process).
_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True, slots=True)
class _Job:
    filename: str
    data: bytes
    center_regions: dict[str, str]
    region_slugs: frozenset[str]
    limits: FileLimits


async def read_catalogue_file(
    filename: str,
    data: bytes,
    *,
    center_regions: Mapping[str, str],
    region_slugs: Collection[str],
    limits: FileLimits,
) -> ImportResult:
    """The file read in a child process; a limit reached is a `FileProblem` in the result,
    the time and memory limits included."""
    if len(data) > limits.file_bytes:
        return _refused(FileProblem(Problem.too_big, limit=limits.file_bytes))
    job = _Job(filename, data, dict(center_regions), frozenset(region_slugs), limits)
    loop = asyncio.get_running_loop()
    turn = _turns.setdefault(loop, asyncio.Semaphore(1))
    async with turn:
        return await _run_child(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL), limits)


async def _run_child(job: bytes, limits: FileLimits) -> ImportResult:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-I",  # no user site, no PYTHON* variables, no current folder on the path
        "-c",
        _CHILD,
        _ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(limits.seconds):
            out, err = await proc.communicate(job)
    except TimeoutError:
        logger.warning("A catalogue file was not read within %d s; its reader was stopped",
                       limits.seconds)  # fmt: skip
        return _refused(FileProblem(Problem.too_slow, limit=limits.seconds))
    finally:
        if proc.returncode is None:  # the deadline, or the bot stopping meanwhile
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
    return _answer(proc.returncode, out, err, limits)


def _answer(code: int | None, out: bytes, err: bytes, limits: FileLimits) -> ImportResult:
    if code == 0:
        try:
            result = pickle.loads(out)  # written by this module's child
        except Exception:  # a child that died while writing
            result = None
        if isinstance(result, ImportResult):
            return result
    memory = b"MemoryError" in err or code in (-signal.SIGKILL, -signal.SIGSEGV)
    if code == -signal.SIGXCPU:  # the CPU limit, set as a second deadline
        return _refused(FileProblem(Problem.too_slow, limit=limits.seconds))
    if memory:
        return _refused(FileProblem(Problem.too_much_memory, limit=limits.memory_bytes))
    tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
    logger.error("The catalogue file reader stopped with code %s: %s", code, tail[0])
    return _refused(FileProblem(Problem.unreadable))


def _refused(problem: FileProblem) -> ImportResult:
    return ImportResult(programs=[], errors=[], file_errors=[problem])


# --- the child ---------------------------------------------------------------------------


def child_main() -> None:
    """Read one job from stdin, answer on stdout; limits first, before the file is read."""
    job: Any = pickle.load(sys.stdin.buffer)  # written by the parent above
    assert isinstance(job, _Job)
    _limit_self(job.limits)
    try:
        result = read_file(
            job.filename,
            job.data,
            center_regions=job.center_regions,
            region_slugs=job.region_slugs,
            limits=job.limits,
        )
    except MemoryError:
        result = _refused(FileProblem(Problem.too_much_memory, limit=job.limits.memory_bytes))
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()


def _limit_self(limits: FileLimits) -> None:
    # Loaded before the memory limit, as it was when it was imported at start-up: importing
    # openpyxl imports numpy, whose BLAS threads fail to allocate under a low limit.
    import openpyxl  # noqa: F401, PLC0415

    with contextlib.suppress(OSError):
        os.nice(_NICENESS)
    for kind, wanted in (
        (resource.RLIMIT_AS, limits.memory_bytes),
        # A second deadline in case the parent is gone: CPU seconds, with a margin.
        (resource.RLIMIT_CPU, limits.seconds + 5),
    ):
        _soft, hard = resource.getrlimit(kind)
        value = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(kind, (value, hard))
