"""What a test reads out of the captured log."""

from __future__ import annotations

import logging

import pytest


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
