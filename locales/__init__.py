"""Texts of every language: `<lang>/LC_MESSAGES/messages.po` (gettext, compiled in memory at
start-up) and `<lang>/quiz.json` (the quizzes' statements and result texts)."""

from importlib import resources
from pathlib import Path


def directory() -> Path:
    return Path(str(resources.files("locales")))
