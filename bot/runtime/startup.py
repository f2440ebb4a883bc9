"""Where start-up time goes, logged once when the bot is ready to take updates:

    Start-up: imports 2.95 s, database 0.10 s, dispatcher 0.15 s, start-up hooks 0.12 s;
    ready 3.32 s after the process started

Each stage is the time since the previous mark; the first one counts from the process's own
start (from /proc, so the interpreter's start-up is in it). `bench/startup_and_memory.py`
reads this line, so that work added to start-up shows where it went.
"""

from __future__ import annotations

import logging
import os
import time

logger = logging.getLogger(__name__)


def _process_started() -> float:
    """`time.monotonic()` when this process started (now, where /proc cannot tell)."""
    now = time.monotonic()
    try:
        with open(f"/proc/{os.getpid()}/stat", encoding="ascii") as stat:
            # Field 22, after the command name in parentheses: start time in clock ticks
            # since boot; CLOCK_BOOTTIME counts from boot as well.
            fields = stat.read().rsplit(")", 1)[1].split()
        started_since_boot = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        ago = time.clock_gettime(time.CLOCK_BOOTTIME) - started_since_boot
    except (OSError, ValueError, IndexError, AttributeError):
        return now
    return now - max(ago, 0.0)


_STARTED = _process_started()
_marks: list[tuple[str, float]] = []


def mark(stage: str) -> None:
    """The end of a start-up stage (the time since the previous mark is its share)."""
    _marks.append((stage, time.monotonic()))


def summary() -> str:
    parts, previous = [], _STARTED
    for stage, at in _marks:
        parts.append(f"{stage} {at - previous:.2f} s")
        previous = at
    return f"{', '.join(parts)}; ready {previous - _STARTED:.2f} s after the process started"


def log_ready() -> None:
    """The last start-up hook: the breakdown, once."""
    mark("start-up hooks")
    logger.info("Start-up: %s", summary())
