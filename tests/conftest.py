"""Shared test helpers. Every await is bounded; nothing sleeps and hopes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from vestsight.journal import Journal, Record

TIMEOUT = 20.0
"""Upper bound for anything a test waits for (generous: CI machines are slow and shared)."""

REPO = Path(__file__).resolve().parents[1]


async def wait_record(
    records: asyncio.Queue[Record],
    predicate: Callable[[Record], bool],
    within: float = TIMEOUT,
) -> Record:
    """The first journal record matching `predicate`; fails the test after `within` s."""

    async def scan() -> Record:
        while True:
            record = await records.get()
            if predicate(record):
                return record

    return await asyncio.wait_for(scan(), within)


def event(name: str, **fields: Any) -> Callable[[Record], bool]:
    """Predicate: a record of this event whose fields equal `fields`."""
    return lambda r: r["event"] == name and all(r.get(k) == v for k, v in fields.items())


@pytest.fixture
def journal() -> Journal:
    return Journal()


class RecordLog:
    """Every journal record seen so far, searchable in any order without losing any."""

    def __init__(self) -> None:
        self.history: list[Record] = []
        self._changed = asyncio.Condition()

    async def add(self, record: Record) -> None:
        async with self._changed:
            self.history.append(record)
            self._changed.notify_all()

    async def expect(
        self, predicate: Callable[[Record], bool], since: float = 0.0, within: float = TIMEOUT
    ) -> Record:
        """The first record at or after `since` (monotonic) matching `predicate`, waiting for it."""

        async def scan() -> Record:
            seen = 0
            async with self._changed:
                while True:
                    for record in self.history[seen:]:
                        if record["mono"] >= since and predicate(record):
                            return record
                    seen = len(self.history)
                    await self._changed.wait()

        return await asyncio.wait_for(scan(), within)

    def since(self, mono: float) -> list[Record]:
        return [r for r in self.history if r["mono"] >= mono]


@contextlib.asynccontextmanager
async def recording(journal: Journal) -> AsyncIterator[RecordLog]:
    """Record everything `journal` publishes while the block runs."""
    log = RecordLog()
    async with journal.subscribe() as records:

        async def pump() -> None:
            while True:
                await log.add(await records.get())

        task = asyncio.create_task(pump())
        try:
            yield log
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
