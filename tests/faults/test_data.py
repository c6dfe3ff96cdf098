"""Nothing deletes the wearer's data (issue 16, item 5): a socket path on the memory database,
a damaged database, a kill -9 while writing; and the data is the vest user's alone (item 6)."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
from pathlib import Path

from tests.conftest import event
from tests.faults.harness import (
    START_TIMEOUT,
    config_for,
    journal_records,
    spawn_vest,
    stop,
    vest_process,
)
from vestsight.memory import open_database

DAMAGED = "The memory file was damaged; I kept it aside and started a new one."


def saved_database(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = open_database(path)
    with db:
        db.execute(
            "INSERT INTO sightings (thing, place, detail, seen_at) VALUES ('keys', 'home', '', 1)"
        )
    db.close()


def sightings(path: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return db.execute("SELECT thing, place FROM sightings").fetchall()
    finally:
        db.close()


async def test_a_socket_path_on_the_memory_database_never_deletes_it(tmp_path: Path) -> None:
    run = tmp_path / "run"
    memory = run / "memory.sqlite3"
    saved_database(memory)
    config = config_for(tmp_path, {"input": {"socket_path": str(memory)}})
    journal = run / "journal.jsonl"
    process = await spawn_vest(config, tmp_path / "vest.log")
    taken = "The control socket's path is taken by a file; the control socket is off."

    async def said_taken() -> None:
        # No control socket to listen on: the journal file says what was said.
        while True:
            records = journal_records(journal) if journal.exists() else []
            if any(r["event"] == "speech.queued" and r["text"] == taken for r in records):
                return
            await asyncio.sleep(0.1)  # polled, bounded by the wait below

    try:
        await asyncio.wait_for(said_taken(), START_TIMEOUT)
    finally:
        await stop(process)  # the exit removes no file that is not its own socket
    assert process.returncode == 0
    assert stat.S_ISREG(memory.lstat().st_mode)
    assert sightings(memory) == [("keys", "home")]


async def test_a_damaged_memory_database_is_kept_aside_and_a_new_one_started(
    tmp_path: Path,
) -> None:
    run = tmp_path / "run"
    run.mkdir()
    memory = run / "memory.sqlite3"
    damaged = b"this was a database until a card reader wrote over it\n" * 100
    memory.write_bytes(damaged)
    async with vest_process(tmp_path) as vest:
        await vest.spoken(DAMAGED)
        t = await vest.client.tap("up")  # faster: saved in the new database
        said = await vest.client.expect(event("speech.queued", source="command"), t)
        assert said["text"] == "Speech rate 200."
        await vest.client.expect(event("command.done", command="faster"), t)
        assert (await vest.status())["ready"]["speech"]
        assert vest.said().count(DAMAGED) == 1
        for private in (memory, run / "journal.jsonl"):
            assert stat.S_IMODE(private.stat().st_mode) == 0o600, private
    kept = list(run.glob("memory.sqlite3.damaged-*"))
    assert [path.read_bytes() for path in kept] == [damaged]  # kept for the maker, as it was
    db = sqlite3.connect(memory)
    assert db.execute("SELECT value FROM settings WHERE key = 'pref.rate'").fetchall() == [("200",)]
    db.close()


async def test_kill_9_while_writing_loses_nothing_written(tmp_path: Path) -> None:
    run = tmp_path / "run"
    saved_database(run / "memory.sqlite3")
    async with vest_process(tmp_path) as vest:
        for _press in range(6):  # faster, faster...: each saved as it is said
            t = await vest.client.tap("up")
            await vest.client.expect(event("command.done", command="faster"), t)
        for _press in range(6):  # slower, slower...: killed while they are being saved
            assert (await vest.client.request(cmd="tap", button="down"))["ok"]
        await vest.kill()
    assert sightings(run / "memory.sqlite3") == [("keys", "home")]
    db = sqlite3.connect(run / "memory.sqlite3")
    rate = int(db.execute("SELECT value FROM settings WHERE key = 'pref.rate'").fetchone()[0])
    db.close()
    assert 175 <= rate <= 175 + 6 * 25  # one of the rates it said, whole
    async with vest_process(tmp_path) as again:  # it starts on the file as it was
        assert DAMAGED not in again.said()
        status = await again.status()
        assert status["storage"] is None and status["speech"]["broken"] is None
