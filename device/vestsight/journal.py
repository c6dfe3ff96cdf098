"""The journal: what the vest did, as typed records, for the log file, the bench and tests.

Everything the wearer hears or feels is published here (``speech.start``, ``speech.end``,
``haptic``), together with state changes (``service.*``, ``llm.*``, ``command.*``). Each subscriber
gets its own bounded queue; a slow subscriber loses its oldest records (and is told how many),
never blocks the publisher. Records are also appended to ``journal.jsonl`` in the run folder
(owner-only: it says what the wearer did), which is rotated (one old file kept) past `max_bytes`.

Publishing never fails: a file that cannot be written (a full disk, a read-only or missing run
folder) is reported to `storage` and skipped, while subscribers still get every record; each
later record tries the file again, and the first one written after a gap is preceded by a
``journal.gap`` line saying how many records the file lacks.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import os
import stat
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from .storage import StorageHealth, reason_of

_LOGGER = logging.getLogger(__name__)

Record = dict[str, Any]

FILE_MODE = 0o600
"""The journal holds what the wearer did and heard: readable by the vest's user only."""


class Journal:
    def __init__(
        self,
        path: Path | None = None,
        *,
        queue_size: int = 512,
        max_bytes: int = 4 << 20,
        storage: StorageHealth | None = None,
        history: int = 1000,
    ) -> None:
        self._queue_size = queue_size
        self.recent: collections.deque[Record] = collections.deque(maxlen=history)
        """The last records, replayed to a subscriber that asks (a bench that connects late)."""
        self._subscribers: set[asyncio.Queue[Record]] = set()
        self._max_bytes = max_bytes
        self._fd: int | None = None
        self._written = 0
        self._lost = 0
        """Records not written to the file since the last one that was."""
        self._torn = False
        """The last write stopped inside a line: the next one starts on a new line."""
        self.storage = storage or StorageHealth()
        self.path = path
        if path is not None:
            try:
                self._open()
            except OSError as err:  # said once the vest can speak (`storage`)
                self.storage.failed("journal", reason_of(err))
                _LOGGER.error("Journal %s cannot be opened: %s", path, err)

    def publish(self, event: str, **fields: Any) -> Record:
        record: Record = {"event": event, "mono": time.monotonic(), "time": time.time(), **fields}
        if self.path is not None:
            self._write(record)
        self.recent.append(record)
        for queue in self._subscribers:
            if queue.full():
                dropped = queue.get_nowait()
                _LOGGER.warning("Journal subscriber too slow, dropped %s", dropped["event"])
            queue.put_nowait(record)
        return record

    @contextlib.asynccontextmanager
    async def subscribe(self, *, replay: bool = False) -> AsyncIterator[asyncio.Queue[Record]]:
        """Yield a queue that receives every record published while the context is open
        (`replay`: the `recent` records first)."""
        old = list(self.recent) if replay else []
        queue: asyncio.Queue[Record] = asyncio.Queue(self._queue_size + len(old))
        for record in old:
            queue.put_nowait(record)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    # --- the file --------------------------------------------------------------------------

    def _write(self, record: Record) -> None:
        try:
            line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
        except ValueError as err:  # a circular field: the record still reaches subscribers
            _LOGGER.error("Journal record %s cannot be written: %s", record["event"], err)
            return
        data = line.encode("utf-8")
        try:
            if self._fd is None:
                self._open()
            elif self._written and self._written + len(data) > self._max_bytes:
                self._rotate()
            if self._lost:
                gap = {"event": "journal.gap", "lost": self._lost, "time": time.time()}
                self._append(json.dumps(gap).encode() + b"\n")
                self._lost = 0
            self._append(data)
        except OSError as err:
            self._lost += 1
            self.storage.failed("journal", reason_of(err))
            if self._lost == 1:
                _LOGGER.error("Journal %s cannot be written: %s", self.path, err)
            return
        self.storage.worked("journal")

    def _append(self, data: bytes) -> None:
        assert self._fd is not None
        if self._torn:
            self._written += os.write(self._fd, b"\n")
            self._torn = False
        written = os.write(self._fd, data)
        self._written += written
        if written < len(data):
            self._torn = True
            raise OSError(28, "No space left on device (a line was cut short)")

    def _open(self) -> None:
        """Open (creating) the file for appending; raise OSError if it cannot be."""
        assert self.path is not None
        self._close_file()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
        found = os.fstat(fd)
        if stat.S_ISREG(found.st_mode) and found.st_mode & 0o777 != FILE_MODE:
            try:
                os.fchmod(fd, FILE_MODE)  # a file an older version made world-readable
            except OSError as err:
                _LOGGER.warning("Cannot make %s owner-only: %s", self.path, err)
        self._fd = fd
        self._written = found.st_size
        self._torn = False

    def _rotate(self) -> None:
        """Keep the file small on an SD card: the current file becomes journal.jsonl.1."""
        assert self.path is not None
        self._close_file()
        self.path.replace(self.path.with_name(self.path.name + ".1"))
        self._open()
        self._written = 0

    def _close_file(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._close_file()
