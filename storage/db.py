"""The database: its interface, the repositories of a unit of work, migrations, and SQLite.

`Database` is what the rest of the bot holds; `SqliteDatabase` (here) and `PostgresDatabase`
(`storage/postgres.py`) implement it, and `storage.connect.connect` opens either from a URL.
On SQLite:

Polled updates run as concurrent tasks that share one aiosqlite connection. SQLite has a
single transaction per connection, so interleaved statements of two tasks would end up in
each other's transactions. Every unit of work therefore runs under one lock, inside its own
`BEGIN IMMEDIATE … COMMIT`, and the caller decides where it ends:

    async with db.transaction() as tx:
        user = await tx.users.ensure(user_id)
        await tx.users.set_role(user_id, "adult")

A single statement needs no transaction of its own: `db.autocommit()` runs it as it is.

Reads on the busiest path (the person's row for every update, a conversation not in the FSM
cache) go through `db.reads`: a second, read-only connection used directly on the event
loop's thread. A lookup by primary key takes a few microseconds there, while a trip to
aiosqlite's thread under the lock costs a hop each way and, worse, holds every other update
behind it; in WAL mode the reader sees everything committed and is never blocked by the
writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import cast

import aiosqlite

from storage.admin_menus import AdminMenusRepo
from storage.audit import AuditRepo
from storage.broadcasts import BroadcastsRepo
from storage.catalogue import CatalogueRepo
from storage.centres_staff import CentreStaffRepo
from storage.classes import ClassesRepo
from storage.exports import ExportsRepo
from storage.faq import FaqRepo
from storage.fsm_rows import FsmRows
from storage.leads import LeadsRepo
from storage.leases import LeasesRepo
from storage.links import LinksRepo
from storage.outbox import OutboxRepo
from storage.relay import RelayRepo
from storage.reminders import RemindersRepo
from storage.results import ResultsRepo
from storage.search import SearchRepo
from storage.sql import Dialect
from storage.stats import StatsRepo
from storage.users import UsersRepo

BUSY_TIMEOUT_MS = 5000

# aiosqlite logs every statement with its parameters at DEBUG: phones, names, answers.
logging.getLogger("aiosqlite").setLevel(logging.INFO)
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def without_password(url: str) -> str:
    """The URL as logs and messages may show it: `postgresql://bot:***@host/copp`."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(dialect: Dialect = Dialect.sqlite) -> list[Migration]:
    """Numbered `.sql` files shipped in `storage/migrations` (PostgreSQL's in its
    `postgresql` folder: the same numbers and names, the same changes), in order, without
    gaps."""
    folder = resources.files("storage") / "migrations"
    if dialect is Dialect.postgresql:
        folder = folder / "postgresql"
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise RuntimeError(f"migration {expected:04d} is missing before {migration.name}")
    return found


class Repositories:
    """Repositories bound to the connection for one unit of work."""

    def __init__(self, conn: aiosqlite.Connection, dialect: Dialect = Dialect.sqlite) -> None:
        # Private: SQL lives in the repositories, never in the code that uses them. On
        # PostgreSQL `conn` is a `storage.postgres.PgConnection`, which answers the same calls.
        self._conn = conn
        self.dialect = dialect
        self.users = UsersRepo(conn)
        self.fsm = FsmRows(conn)
        self.results = ResultsRepo(conn)
        self.catalogue = CatalogueRepo(conn)
        self.leads = LeadsRepo(conn)
        self.outbox = OutboxRepo(conn)
        self.relay = RelayRepo(conn)
        self.audit = AuditRepo(conn)
        self.broadcasts = BroadcastsRepo(conn, dialect)
        self.reminders = RemindersRepo(conn)
        self.leases = LeasesRepo(conn)
        self.stats = StatsRepo(conn, dialect)
        self.exports = ExportsRepo(conn)
        self.admin_menus = AdminMenusRepo(conn)
        self.faq = FaqRepo(conn)
        self.search = SearchRepo(conn, dialect)
        self.centres = CentreStaffRepo(conn, dialect)
        self.links = LinksRepo(conn)
        self.classes = ClassesRepo(conn)

    async def ping(self) -> None:
        """A round trip to the database, for health checks: raises when it cannot answer."""
        await self._conn.execute_fetchall("SELECT 1")

    async def forget_user(self, user_id: int) -> None:
        """Delete every row about a person: the user row and rows in any table with `user_id`."""
        tables = await self._conn.execute_fetchall(
            "SELECT m.name FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS c "
            "WHERE m.type = 'table' AND c.name = 'user_id'"
            if self.dialect is Dialect.sqlite
            else "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND column_name = 'user_id'"
        )
        for (table,) in tables:
            await self._conn.execute(f'DELETE FROM "{table}" WHERE user_id = ?', (user_id,))
        await self._conn.execute("DELETE FROM users WHERE id = ?", (user_id,))


class _LoopReader:
    """The part of aiosqlite's connection the repositories' reads use (`execute_fetchall`),
    answered at once from a synchronous read-only connection on the loop's thread. Without
    one (an in-memory database), or when it cannot answer at once (the file locked for a
    moment), the read goes the usual way: the shared connection, under the lock."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def execute_fetchall(
        self, sql: str, parameters: Iterable[object] | None = None
    ) -> Iterable[sqlite3.Row]:
        reader = self._db._open_reader()
        if reader is not None:
            try:
                cursor = reader.execute(sql, tuple(parameters or ()))
                try:
                    return cursor.fetchall()
                finally:
                    cursor.close()
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise
        async with self._db.autocommit() as repos:
            return await repos._conn.execute_fetchall(sql, parameters)


class FileState(StrEnum):
    """The database file at its path, compared with the file the connection opened."""

    same = "same"
    deleted = "deleted"
    replaced = "replaced"  # another file (another inode) is at the path now


def _identity_or_raise(path: Path) -> tuple[int, int]:
    found = os.stat(path)
    return found.st_dev, found.st_ino


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        return _identity_or_raise(path)
    except OSError:
        return None


def _open_files() -> set[tuple[int, int]]:
    """Device and inode of every file this process has open (empty without /proc)."""
    found: set[tuple[int, int]] = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir("/proc/self/fd"):
            identity = _identity(Path("/proc/self/fd", fd))
            if identity is not None:
                found.add(identity)
    return found


class Database(ABC):
    """What the bot holds: units of work, reads of committed data, migrations, health."""

    dialect: Dialect
    # The SQLite file (None on a server database): what the health check watches.
    path: Path | None = None

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Repositories]:
        """One unit of work: committed when the block ends, rolled back on an exception."""

    @abstractmethod
    def autocommit(self) -> AbstractAsyncContextManager[Repositories]:
        """Each statement commits on its own: for a single read or a single write."""

    @property
    @abstractmethod
    def reads(self) -> Repositories:
        """Repositories for single-statement reads of committed data (`execute_fetchall`
        only), without waiting for a unit of work: `await db.reads.users.get(user_id)`."""

    @abstractmethod
    async def migrate(self, *, target: int | None = None) -> int:
        """Apply every migration newer than the schema's version; return the new version."""

    @abstractmethod
    async def schema_version(self) -> int: ...

    @abstractmethod
    async def check_writable(self) -> None:
        """Raise now rather than at the first write when the database cannot be written."""

    @abstractmethod
    async def close(self) -> None: ...

    @property
    @abstractmethod
    def url(self) -> str:
        """The URL this database was opened with (`DATABASE_URL`'s form)."""

    def describe(self) -> str:
        """Where the data is, for logs and the command line (no password)."""
        return self.url

    @asynccontextmanager
    async def setting_up(self) -> AsyncIterator[None]:
        """Held while a process migrates and loads reference data at start, so that
        processes starting together do it one after another. SQLite needs nothing more: its
        units of work already run one at a time."""
        yield

    def file_state(self) -> FileState:
        """Whether the database the connection opened is still where it was: a server
        database always is."""
        return FileState.same

    def remove_own_journal(self) -> list[Path]:
        return []

    async def save_copy(self, target: Path) -> None:
        raise NotImplementedError(f"{self.dialect} databases are copied with their own tools")


class SqliteDatabase(Database):
    dialect = Dialect.sqlite

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None
        # Where the file lives and which file it is (device and inode) as opened: a file
        # deleted or replaced under a running bot goes on answering from the old, unlinked
        # inode, and everything written from then on is lost at the next start.
        self._absolute = None if str(path) == ":memory:" else path.absolute()
        self._identity = None if self._absolute is None else _identity(self._absolute)
        self._reader: sqlite3.Connection | None = None
        self._closed = False
        self._reads = Repositories(cast("aiosqlite.Connection", _LoopReader(self)))

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True) -> SqliteDatabase:
        """Open (creating the file and its folder); with `migrate`, bring the schema up to date
        and check that the file can be written. Reference data is the services' business
        (`bot.services.database.open_database`)."""
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            db = cls(conn, path)
            if migrate:
                await db.migrate()
                await db.check_writable()
        except BaseException:
            await conn.close()
            raise
        return db

    def _open_reader(self) -> sqlite3.Connection | None:
        """The read-only connection behind `reads`, opened at its first use (none for an
        in-memory database, whose reads all go through the one connection)."""
        if self._reader is not None or self._absolute is None or self._closed:
            return self._reader
        # timeout=0: a reader that would wait gives way to the locked path at once instead
        # of stalling the event loop.
        reader = sqlite3.connect(
            f"{self._absolute.as_uri()}?mode=ro",
            uri=True,
            timeout=0,
            isolation_level=None,
            check_same_thread=False,  # used on the loop's thread only, closed from any
        )
        try:
            reader.execute("PRAGMA query_only = ON")
        except BaseException:
            reader.close()
            raise
        self._reader = reader
        return reader

    def file_state(self) -> FileState:
        """Whether the path still holds the file this connection uses (one `stat`, no I/O
        on the database). An error other than a missing file says nothing: `same`."""
        if self._absolute is None or self._identity is None:
            return FileState.same
        try:
            now = _identity_or_raise(self._absolute)
        except (FileNotFoundError, NotADirectoryError):
            return FileState.deleted
        except OSError:
            return FileState.same
        return FileState.same if now == self._identity else FileState.replaced

    def remove_own_journal(self) -> list[Path]:
        """Once the file was deleted or replaced: remove this connection's `-wal` and `-shm`
        files from beside the path. SQLite replays a `-wal` it finds next to a database
        whatever file that is, so left there they would mix this database's pages into the
        file put in its place, or into a saved copy moved back. The connection keeps them
        open and goes on working. Only files this process has open are removed (Linux,
        through /proc; elsewhere nothing is); returns what was removed."""
        if self._absolute is None:
            return []
        ours = _open_files()
        removed = []
        for suffix in ("-wal", "-shm"):
            companion = self._absolute.with_name(self._absolute.name + suffix)
            if _identity(companion) in ours:
                with contextlib.suppress(OSError):
                    companion.unlink()
                    removed.append(companion)
        return removed

    async def save_copy(self, target: Path) -> None:
        """A consistent copy of the database as this connection sees it, written to `target`
        (which must not exist): still possible after the file was deleted under it."""
        async with self._locked():
            await self._conn.execute("VACUUM INTO ?", (str(target),))

    async def check_writable(self) -> None:
        """Raise now rather than at the first write: SQLite opens a read-only file quietly,
        and an up-to-date database is not written to at start."""
        async with self._locked():
            version = await self.schema_version()
            await self._conn.executescript(
                f"BEGIN IMMEDIATE; PRAGMA user_version = {version}; ROLLBACK;"
            )

    async def schema_version(self) -> int:
        rows = list(await self._conn.execute_fetchall("PRAGMA user_version"))
        return int(rows[0][0])

    async def migrate(self, *, target: int | None = None) -> int:
        """Apply every migration newer than the file's `user_version`; return the new version."""
        async with self._locked():
            current = await self.schema_version()
            for migration in load_migrations(Dialect.sqlite):
                if migration.version <= current:
                    continue
                if target is not None and migration.version > target:
                    break
                # One script per migration, atomic together with its version bump.
                await self._conn.executescript(
                    f"BEGIN IMMEDIATE;\n{migration.sql}\n"
                    f"PRAGMA user_version = {migration.version};\nCOMMIT;"
                )
                current = migration.version
            return current

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            raise RuntimeError("a unit of work is already open in this task; do not nest them")
        async with self._lock:
            self._owner = task
            try:
                yield
            finally:
                self._owner = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Repositories]:
        """One unit of work: committed when the block ends, rolled back on an exception."""
        async with self._locked():
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Repositories(self._conn)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[Repositories]:
        """Each statement commits on its own: for a single read or a single write, which
        needs no BEGIN/COMMIT round trips (each one is a hop to the database thread)."""
        async with self._locked():
            yield Repositories(self._conn)

    @property
    def reads(self) -> Repositories:
        """Repositories for single-statement reads of committed data, answered on the loop's
        thread without waiting for the lock (see the module's notes): `await
        db.reads.users.get(user_id)`. Only reads that use `execute_fetchall` work here; not
        inside a unit of work of the same task (its own writes are not committed yet)."""
        return self._reads

    async def close(self) -> None:
        async with self._lock:
            self._closed = True
            if self._reader is not None:
                self._reader.close()
                self._reader = None
            await self._conn.close()
