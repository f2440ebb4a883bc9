"""The garbage collector after start-up: what start-up built lives as long as the process.

Importing aiogram leaves about 230,000 tracked objects (pydantic validators for every Bot API
type), and the bot's modules, catalogues and indexes add more. None of them ever becomes
garbage, yet every full collection walks all of them: about 200 ms each on this project's
machine, a pause every update in flight waits out. That was the whole p99 of answers at a
person's pace (98.7 ms; 48 ms with the heap frozen). `gc.freeze()` moves them to a permanent
generation the collector no longer looks at; it runs once, after the start-up hooks (the
warm-up included), so what they built is frozen too.

The thresholds: the first generation is collected after 700 new objects by default, which a
single update with its pydantic models reaches; 10,000 makes young collections rarer without
letting cycles pile up (an update's garbage is mostly freed by reference counting anyway).
"""

from __future__ import annotations

import ctypes
import gc

YOUNG_THRESHOLD = 10_000


def settle_heap() -> None:
    """Freeze what start-up built out of later collections. No collection first: a full one
    takes ~200 ms here, all of it before the first answer; the little cyclic garbage start-up
    leaves is kept instead (reference counting has freed the rest)."""
    gc.freeze()
    give_back_free_memory()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
    gc.enable()  # `python -m bot` starts with it off (bot/__main__.py)


def freeze_warmed() -> None:
    """The same for what a warm-up built once the bot was already answering (the towns table,
    the search indexes): it lives as long as the process too."""
    gc.freeze()
    give_back_free_memory()


def give_back_free_memory() -> None:
    """Return to the system the pages C's allocator holds free after start-up or a warm-up
    (glibc keeps them for later; `malloc_trim` gives back every whole free page, 1–2 MB
    here, in about a millisecond). Nothing on other C libraries."""
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library the interpreter runs on
    except (OSError, AttributeError):
        return
    trim(0)
