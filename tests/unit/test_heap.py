"""After start-up the collector is on again, what start-up built is frozen, and young
collections are rarer; `python -m bot` starts with the collector off only as the program."""

from __future__ import annotations

import gc
import subprocess
import sys

from bot.runtime.heap import YOUNG_THRESHOLD, settle_heap


def test_settling_freezes_the_heap_and_turns_the_collector_back_on() -> None:
    threshold = gc.get_threshold()
    gc.disable()
    try:
        settle_heap()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    finally:
        gc.enable()
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_importing_the_command_line_keeps_the_collector() -> None:
    code = "import gc, bot.__main__; print(gc.isenabled())"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "True"
