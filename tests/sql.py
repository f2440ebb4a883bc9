"""Raw SQL for tests and benchmarks: to set up rows in bulk, and to read rows back where no
repository method reads them. The application goes through the repositories only."""

from __future__ import annotations

import aiosqlite

from storage.db import Repositories


def raw_connection(repos: Repositories) -> aiosqlite.Connection:
    """The connection of this unit of work, inside its transaction."""
    return repos._conn
