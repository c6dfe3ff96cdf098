"""The journal: what the vest did, as typed records, for the log file, the bench and tests.

Everything the wearer hears or feels is published here (``speech.start``, ``speech.end``,
``haptic``), together with state changes (``service.*``, ``llm.*``, ``command.*``). Each subscriber
gets its own bounded queue; a slow subscriber loses its oldest records (and is told how many),
never blocks the publisher. Records are also appended to ``journal.jsonl`` in the run folder,
which is rotated (one old file kept) past `max_bytes`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, TextIO

_LOGGER = logging.getLogger(__name__)

Record = dict[str, Any]


class Journal:
    def __init__(
        self,
        path: Path | None = None,
        *,
        queue_size: int = 512,
        max_bytes: int = 4 << 20,
    ) -> None:
        self._queue_size = queue_size
        self._subscribers: set[asyncio.Queue[Record]] = set()
        self._file: TextIO | None = None
        self._max_bytes = max_bytes
        self._written = 0
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8", buffering=1)
            self._written = path.stat().st_size

    def publish(self, event: str, **fields: Any) -> Record:
        record: Record = {"event": event, "mono": time.monotonic(), "time": time.time(), **fields}
        if self._file is not None:
            line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
            if self._written and self._written + len(line) > self._max_bytes:
                self._rotate()
            self._file.write(line)
            self._written += len(line)
        for queue in self._subscribers:
            if queue.full():
                dropped = queue.get_nowait()
                _LOGGER.warning("Journal subscriber too slow, dropped %s", dropped["event"])
            queue.put_nowait(record)
        return record

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Record]]:
        """Yield a queue that receives every record published while the context is open."""
        queue: asyncio.Queue[Record] = asyncio.Queue(self._queue_size)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    def _rotate(self) -> None:
        """Keep the file small on an SD card: the current file becomes journal.jsonl.1."""
        assert self._file is not None and self.path is not None
        self._file.close()
        self.path.replace(self.path.with_name(self.path.name + ".1"))
        self._file = self.path.open("a", encoding="utf-8", buffering=1)
        self._written = 0

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
