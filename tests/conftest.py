"""Shared test helpers. Every await is bounded; nothing sleeps and hopes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
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
