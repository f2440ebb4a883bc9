"""Scripted terminal-chat journeys through every menu item, compared with saved transcripts.

The transcripts are what a person reads; a change to them is a change of behaviour, made on
purpose: regenerate with `python -m tests.journeys.test_transcripts` and review the diff.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "transcripts"
# name of the script → extra arguments of `python -m bot chat`
SCRIPTS = {
    "every_menu_item": [],
    "admin_tools": ["--admin"],
    "english": ["--lang", "en"],
}
_FILES = re.compile(r"\S*copp-bot-chat-[^/\s]+/")
_DATES = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}\.\d{2}(?:\.\d{4})?")


def normalised(text: str) -> str:
    """Temporary paths and today's dates differ between runs; nothing else may."""
    return _DATES.sub("<date>", _FILES.sub("<files>/", text))


def run_script(name: str, database: Path) -> str:
    env = {**os.environ, "DATABASE_PATH": str(database), "BOT_TOKEN": "", "ADMIN_IDS": ""}
    env.pop("CONSULTANT_CHAT_ID", None)
    env.pop("REDIS_URL", None)
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "chat", *SCRIPTS[name]],
        input=(HERE / f"{name}.in").read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
        check=True,
    )
    return normalised(completed.stdout + completed.stderr)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_transcript_is_unchanged(name: str, tmp_path: Path) -> None:
    expected = (HERE / f"{name}.out").read_text(encoding="utf-8")
    assert run_script(name, tmp_path / "bot.sqlite3") == expected


if __name__ == "__main__":
    import tempfile

    for script in sorted(SCRIPTS):
        with tempfile.TemporaryDirectory() as folder:
            out = run_script(script, Path(folder) / "bot.sqlite3")
        (HERE / f"{script}.out").write_text(out, encoding="utf-8")
        print(f"{script}: {out.count(chr(10))} lines")
