"""The memory database: round trip, forgetting, and surviving a power cut mid-write."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TIMEOUT
from vestsight.errors import MemoryStorageError
from vestsight.memory import MemoryStore, open_database


async def test_remember_and_recall(tmp_path: Path) -> None:
    store = MemoryStore(tmp_path / "memory.sqlite3")
    await asyncio.wait_for(store.open(), TIMEOUT)
    assert await store.last_seen("cup") is None
    await store.remember(["cup", "book"], "kitchen", "on the table")
    await store.remember(["cup"], "office")
    latest = await store.last_seen("cup")
    assert latest is not None and latest.place == "office"
    assert (await store.last_seen("book")).detail == "on the table"  # type: ignore[union-attr]
    assert await store.things() == ["cup", "book"]
    await store.set_setting("place", "kitchen")
    assert await store.get_setting("place") == "kitchen"
    assert await store.forget_all() == 3
    assert await store.things() == []
    await store.close()
    raw = (tmp_path / "memory.sqlite3").read_bytes()
    assert b"on the table" not in raw  # forgotten means gone from the file too


WRITER = """
import asyncio, sys
from pathlib import Path
from vestsight.memory import MemoryStore

async def main():
    store = MemoryStore(Path(sys.argv[1]))
    await store.open()
    n = 0
    while True:
        n += 1
        await store.remember([f"thing-{n}"], "kitchen", "x" * 2000)
        print(n, flush=True)  # printed only after the commit returned

asyncio.run(main())
"""


def test_every_committed_row_survives_a_kill_mid_write(tmp_path: Path) -> None:
    path = tmp_path / "memory.sqlite3"
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    ) as writer:
        assert writer.stdout is not None
        committed = 0
        for line in writer.stdout:
            committed = int(line)
            if committed >= 200:
                break
        writer.send_signal(signal.SIGKILL)  # as a pulled battery would, between or during writes
        writer.wait(TIMEOUT)
    db = open_database(path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    rows = {r[0] for r in db.execute("SELECT thing FROM sightings")}
    assert {f"thing-{n}" for n in range(1, committed + 1)} <= rows
    db.close()


async def test_a_damaged_database_is_kept_aside_and_a_fresh_one_started(tmp_path: Path) -> None:
    path = tmp_path / "memory.sqlite3"
    damaged = b"this is not a database" * 100
    path.write_bytes(damaged)
    kept: list[Path] = []
    store = MemoryStore(path, on_damaged=kept.append)
    await asyncio.wait_for(store.open(), TIMEOUT)
    assert len(kept) == 1 and kept[0].read_bytes() == damaged  # nothing is deleted
    assert kept[0].name.startswith("memory.sqlite3.damaged-")
    await asyncio.wait_for(store.remember(["cup"], "kitchen"), TIMEOUT)
    assert await store.things() == ["cup"]
    await store.close()
    assert len(kept) == 1  # told once


async def test_a_database_that_cannot_be_created_is_a_storage_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    store = MemoryStore(tmp_path / "a-file" / "memory.sqlite3")  # no folder can be made here
    with pytest.raises(MemoryStorageError) as caught:
        await asyncio.wait_for(store.open(), TIMEOUT)
    assert caught.value.reason == "unwritable"
    assert store.storage.problem == "unwritable"
    await store.close()


async def test_the_database_is_the_owners_alone(tmp_path: Path) -> None:
    path = tmp_path / "memory.sqlite3"
    path.write_bytes(b"")
    path.chmod(0o644)  # as an older version left it
    store = MemoryStore(path)
    await asyncio.wait_for(store.remember(["cup"], "kitchen"), TIMEOUT)
    for part in (path, path.with_name("memory.sqlite3-wal")):
        assert part.stat().st_mode & 0o777 == 0o600, part
    await store.close()


async def test_sightings_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "memory.sqlite3"
    store = MemoryStore(path)
    await asyncio.wait_for(store.remember(["motorcycle"], "outside", seen_at=1000.0), TIMEOUT)
    await asyncio.wait_for(store.remember(["cup", "dining table"], "kitchen"), TIMEOUT)
    await store.close()
    again = MemoryStore(path)  # as the vest starts again
    assert await asyncio.wait_for(again.things(), TIMEOUT) == ["cup", "dining table", "motorcycle"]
    seen = await asyncio.wait_for(again.last_seen("motorcycle"), TIMEOUT)
    assert seen is not None and (seen.place, seen.seen_at) == ("outside", 1000.0)
    await again.close()
