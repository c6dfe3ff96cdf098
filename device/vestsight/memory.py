"""The vest's memory of what was seen, where and when: a local SQLite database.

WAL journal with synchronous=FULL: every committed sighting survives a power cut (the tests kill
a writer mid-way and reopen the file). All database work runs in one thread of its own, so the
event loop never waits on the SD card. Nothing here ever leaves the device, and the file is the
vest user's alone (0600).

Nothing the wearer saved is ever deleted by a fault:
- a full or read-only disk makes a write fail with `MemoryStorageError` (reported to `storage`,
  said once by the app); the next write tries again, and a preference that could not be written
  is kept and written with it;
- a damaged database (not a database, or failing SQLite's quick check) is moved aside as
  ``memory.sqlite3.damaged-<time>`` (kept for the maker) and a fresh one started; `on_damaged`
  is told where the old one is.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .errors import MemoryDamagedError, MemoryStorageError, MemoryStoreError
from .storage import FULL, UNWRITABLE, StorageHealth, reason_of

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")

FILE_MODE = 0o600
SQLITE_FULL = 13
STORAGE_CODES = frozenset({3, 8, 10, 13, 14})
"""SQLite's PERM, READONLY, IOERR, FULL, CANTOPEN: the disk, not the database, is at fault."""
DAMAGE_CODES = frozenset({11, 26})
"""SQLite's CORRUPT and NOTADB."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS sightings (
    id INTEGER PRIMARY KEY,
    thing TEXT NOT NULL,
    place TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    seen_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sightings_thing ON sightings (thing, seen_at);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class DamagedDatabase(sqlite3.DatabaseError):
    """SQLite's quick check found the file damaged."""


@dataclass(frozen=True)
class Sighting:
    thing: str
    place: str
    detail: str
    seen_at: float
    """Unix time."""


class MemoryStore:
    def __init__(
        self,
        path: Path,
        *,
        storage: StorageHealth | None = None,
        on_damaged: Callable[[Path], None] = lambda kept: None,
    ) -> None:
        self.path = path
        self.storage = storage or StorageHealth()
        self._on_damaged = on_damaged
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="memory")
        self._db: sqlite3.Connection | None = None
        self._unsaved: dict[str, str] = {}
        """Settings not yet written (the disk was full): written with the next write."""
        self._kept: list[Path] = []
        """Damaged databases moved aside by the memory thread, not yet told."""
        self._unusable: MemoryStoreError | None = None
        self._closed = False

    @property
    def usable(self) -> bool:
        """False once closed (a shutdown saved it) or when it could not be opened at all:
        commands then treat memory as off."""
        return self._unusable is None

    # Everything below `_in_thread` runs on the memory thread only.

    async def _in_thread(self, work: Callable[[sqlite3.Connection], T], *, writes: bool) -> T:
        if self._closed:
            raise MemoryStoreError("the memory is closed (the vest is shutting down)")
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(self._executor, self._with_db, work)
        try:
            # Shielded: a press that cancels the command must not cancel a write it asked for.
            result = await asyncio.shield(job)
        except MemoryStorageError as err:
            self.storage.failed("memory", err.reason)
            raise
        finally:
            while self._kept:
                self._on_damaged(self._kept.pop(0))
        if writes:
            self.storage.worked("memory")
        return result

    def _with_db(self, work: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return self._attempt(work)
        except sqlite3.Error as err:
            if not _is_damage(err):
                raise self._error(err) from err
            _LOGGER.error("Memory database %s is damaged: %s", self.path, err)
            self._move_aside()
        try:
            return self._attempt(work)  # on a fresh database
        except sqlite3.Error as err:
            raise self._error(err) from err

    def _attempt(self, work: Callable[[sqlite3.Connection], T]) -> T:
        try:
            if self._db is None:
                self._db = open_database(self.path)
            return work(self._db)
        except OSError as err:  # the folder cannot be made, or the file cannot be created
            raise MemoryStorageError(
                f"memory database {self.path}: {err}",
                reason=reason_of(err),
                advice="free space on the data partition, or check that it is mounted writable",
            ) from err

    def _error(self, err: sqlite3.Error) -> MemoryStoreError:
        code = getattr(err, "sqlite_errorcode", 0) & 0xFF
        if code in STORAGE_CODES:
            return MemoryStorageError(
                f"memory database {self.path}: {err}",
                reason=FULL if code == SQLITE_FULL else UNWRITABLE,
                advice="free space on the data partition, or check that it is mounted writable",
            )
        return MemoryStoreError(
            f"memory database {self.path}: {err}",
            advice="the file may be damaged; move it away and the vest starts a new one",
        )

    def _move_aside(self) -> None:
        """Keep the damaged file (and its WAL) under another name; the next open starts afresh."""
        if self._db is not None:
            self._db.close()
            self._db = None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        number = 1
        while kept.exists():
            number += 1
            kept = self.path.with_name(f"{self.path.name}.damaged-{stamp}-{number}")
        try:
            for suffix in ("-wal", "-shm", ""):  # the database last: never a WAL without it
                part = self.path.with_name(self.path.name + suffix)
                if part.exists():
                    part.replace(kept.with_name(kept.name + suffix))
        except OSError as err:
            raise MemoryDamagedError(
                f"memory database {self.path} is damaged and cannot be moved aside: {err}",
                advice="move it away by hand; the vest then starts a new one",
            ) from err
        _LOGGER.error("Damaged memory database kept as %s; starting a new one", kept)
        self._kept.append(kept)

    async def open(self) -> None:
        """Open (or create) the database. `MemoryStorageError`: the disk refuses writes now
        (each write tries again); any other `MemoryStoreError` leaves the memory unusable."""
        try:
            await self._in_thread(lambda db: None, writes=False)
        except MemoryStorageError:
            raise
        except MemoryStoreError as err:
            self._unusable = err
            raise

    async def remember(
        self, things: list[str], place: str, detail: str = "", seen_at: float | None = None
    ) -> int:
        """Record a sighting of each of `things` (now, unless `seen_at` says when)."""
        now = time.time() if seen_at is None else seen_at

        def write(db: sqlite3.Connection) -> int:
            with db:
                db.executemany(
                    "INSERT INTO sightings (thing, place, detail, seen_at) VALUES (?, ?, ?, ?)",
                    [(thing, place, detail, now) for thing in things],
                )
                self._write_unsaved(db)
            return len(things)

        return await self._in_thread(write, writes=True)

    async def last_seen(self, thing: str) -> Sighting | None:
        def read(db: sqlite3.Connection) -> Sighting | None:
            row = db.execute(
                "SELECT thing, place, detail, seen_at FROM sightings WHERE thing = ? "
                "ORDER BY seen_at DESC, id DESC LIMIT 1",
                (thing,),
            ).fetchone()
            return Sighting(*row) if row else None

        return await self._in_thread(read, writes=False)

    async def things(self) -> list[str]:
        """Every thing remembered, most recently seen first (seen together: by name)."""

        def read(db: sqlite3.Connection) -> list[str]:
            rows = db.execute(
                "SELECT thing FROM sightings GROUP BY thing ORDER BY MAX(seen_at) DESC, thing"
            ).fetchall()
            return [row[0] for row in rows]

        return await self._in_thread(read, writes=False)

    async def forget_all(self) -> int:
        def wipe(db: sqlite3.Connection) -> int:
            with db:
                count = db.execute("DELETE FROM sightings").rowcount
                self._write_unsaved(db)
            db.execute("VACUUM")  # deleted rows must not linger in free pages
            return int(count)

        return await self._in_thread(wipe, writes=True)

    async def get_setting(self, key: str) -> str | None:
        def read(db: sqlite3.Connection) -> str | None:
            if key in self._unsaved:
                return self._unsaved[key]
            row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
            return str(row[0]) if row else None

        return await self._in_thread(read, writes=False)

    async def set_setting(self, key: str, value: str) -> None:
        """Keep a setting; one the disk has no room for is kept here and written later."""

        def write(db: sqlite3.Connection) -> None:
            self._unsaved[key] = value
            with db:
                self._write_unsaved(db)

        await self._in_thread(write, writes=True)

    def _write_unsaved(self, db: sqlite3.Connection) -> None:
        """In the caller's transaction: the settings not written yet (forgotten on commit)."""
        db.executemany(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            list(self._unsaved.items()),
        )
        self._unsaved.clear()  # a failed commit raises before this line is reached

    async def close(self) -> None:
        """Close the database (again: nothing); every later call raises `MemoryStoreError`."""
        if self._closed:
            return
        self._unusable = self._unusable or MemoryStoreError("the memory was closed")

        def shut(db: sqlite3.Connection) -> None:
            db.close()
            self._db = None

        try:
            if self._db is not None:
                await self._in_thread(shut, writes=False)
        finally:
            self._closed = True
            self._executor.shutdown(wait=True)


def open_database(path: Path) -> sqlite3.Connection:
    """Open (creating, owner-only) the database; `DamagedDatabase` if it fails its quick check."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE))
    for suffix in ("", "-wal", "-shm"):  # SQLite gives its WAL files the database's mode
        part = path.with_name(path.name + suffix)
        if part.exists() and part.stat().st_mode & 0o777 != FILE_MODE:
            part.chmod(FILE_MODE)
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA busy_timeout=2000")
        check = [row[0] for row in db.execute("PRAGMA quick_check")]
        if check != ["ok"]:
            raise DamagedDatabase(f"quick check: {'; '.join(map(str, check[:3]))}")
        db.executescript(SCHEMA)
    except sqlite3.Error:
        db.close()
        raise
    db.isolation_level = "DEFERRED"  # "with db:" opens and commits a transaction
    return db


def _is_damage(err: sqlite3.Error) -> bool:
    code = getattr(err, "sqlite_errorcode", 0) & 0xFF
    return isinstance(err, DamagedDatabase) or code in DAMAGE_CODES
