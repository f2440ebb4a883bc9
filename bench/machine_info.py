"""The machine line every benchmark prints first: figures mean little without it."""

from __future__ import annotations

import os
import platform
import sqlite3


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            names = [
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            ]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    interpreter = f"{platform.python_implementation()} {platform.python_version()}"
    # Other work on the machine takes CPU from the benchmark: its figures depend on it.
    load = ""
    if hasattr(os, "getloadavg"):
        one, five, fifteen = os.getloadavg()
        load = f", load average {one:.1f} {five:.1f} {fifteen:.1f}"
    return (
        f"machine: {platform.platform()}, {cpu}, {os.cpu_count()} CPUs{load}; "
        f"{interpreter}, SQLite {sqlite3.sqlite_version}"
    )
