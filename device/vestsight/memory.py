"""The vest's memory of what was seen, where and when: a local SQLite database.

WAL journal with synchronous=FULL: every committed sighting survives a power cut (the tests kill
a writer mid-way and reopen the file). All database work runs in one thread of its own, so the
event loop never waits on the SD card. Nothing here ever leaves the device.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .errors import MemoryStoreError

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")

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


@dataclass(frozen=True)
class Sighting:
    thing: str
    place: str
    detail: str
    seen_at: float
    """Unix time."""


class MemoryStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="memory")
        self._db: sqlite3.Connection | None = None

    # Everything below `_in_thread` runs on the memory thread only.

    async def _in_thread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(self._executor, self._with_db, work)
        # Shielded: a press that cancels the command must not cancel a write it asked for.
        return await asyncio.shield(job)

    def _with_db(self, work: Callable[[sqlite3.Connection], T]) -> T:
        try:
            if self._db is None:
                self._db = open_database(self.path)
            return work(self._db)
        except sqlite3.Error as err:
            raise MemoryStoreError(
                f"memory database {self.path}: {err}",
                advice="the file may be damaged; move it away and the vest starts a new one",
            ) from err

    async def open(self) -> None:
        await self._in_thread(lambda db: None)

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
            return len(things)

        return await self._in_thread(write)

    async def last_seen(self, thing: str) -> Sighting | None:
        def read(db: sqlite3.Connection) -> Sighting | None:
            row = db.execute(
                "SELECT thing, place, detail, seen_at FROM sightings WHERE thing = ? "
                "ORDER BY seen_at DESC, id DESC LIMIT 1",
                (thing,),
            ).fetchone()
            return Sighting(*row) if row else None

        return await self._in_thread(read)

    async def things(self) -> list[str]:
        """Every thing remembered, most recently seen first (seen together: by name)."""

        def read(db: sqlite3.Connection) -> list[str]:
            rows = db.execute(
                "SELECT thing FROM sightings GROUP BY thing ORDER BY MAX(seen_at) DESC, thing"
            ).fetchall()
            return [row[0] for row in rows]

        return await self._in_thread(read)

    async def forget_all(self) -> int:
        def wipe(db: sqlite3.Connection) -> int:
            with db:
                count = db.execute("DELETE FROM sightings").rowcount
            db.execute("VACUUM")  # deleted rows must not linger in free pages
            return int(count)

        return await self._in_thread(wipe)

    async def get_setting(self, key: str) -> str | None:
        def read(db: sqlite3.Connection) -> str | None:
            row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
            return str(row[0]) if row else None

        return await self._in_thread(read)

    async def set_setting(self, key: str, value: str) -> None:
        def write(db: sqlite3.Connection) -> None:
            with db:
                db.execute(
                    "INSERT INTO settings (key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

        await self._in_thread(write)

    async def close(self) -> None:
        def shut(db: sqlite3.Connection) -> None:
            db.close()
            self._db = None

        if self._db is not None:
            await self._in_thread(shut)
        self._executor.shutdown(wait=True)


def open_database(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA busy_timeout=2000")
    db.executescript(SCHEMA)
    db.isolation_level = "DEFERRED"  # "with db:" opens and commits a transaction
    return db
