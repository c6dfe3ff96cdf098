"""A write that fails never silences the vest (issue 16, item 1)."""

from __future__ import annotations

import time
from pathlib import Path

from tests.faults.conftest import SmallDisk
from tests.faults.harness import journal_records, vest_process
from vestsight.alerts import REPEATS
from vestsight.memory import open_database

STORAGE_FULL = "Storage full: I can't remember new things."
STORAGE_BACK = "Storage works again: I can remember new things."


async def test_a_full_disk_is_said_once_and_the_vest_keeps_speaking(
    tmp_path: Path, small_disk: SmallDisk
) -> None:
    run = small_disk.path / "run"
    run.mkdir()
    saved = open_database(run / "memory.sqlite3")
    with saved:
        saved.execute(
            "INSERT INTO sightings (thing, place, detail, seen_at) VALUES ('keys', 'home', '', 1)"
        )
    saved.close()
    overrides = {"general": {"run_dir": str(run)}}
    async with vest_process(tmp_path, overrides, socket=run / "control.sock") as vest:
        await vest.answered("y")
        small_disk.fill()
        t = time.monotonic()
        for _press in range(4):  # three silenced the vest for good before
            await vest.answered("y")
        await vest.spoken(STORAGE_FULL, t)
        # Heard once: said again only when a press cut it short (up to alerts.REPEATS times).
        ends = [
            r["outcome"]
            for r in vest.client.since(t)
            if r["event"] == "speech.end" and r.get("text") == STORAGE_FULL
        ]
        assert ends.count("done") == 1, ends
        assert all(outcome in ("interrupted", "dropped") for outcome in ends[:-1]), ends
        assert vest.said(t).count(STORAGE_FULL) == len(ends) <= 1 + REPEATS
        assert "error" in vest.felt(t)
        assert (await vest.status())["storage"] == "full"
        assert (await vest.status())["speech"]["broken"] is None

        small_disk.free()
        t = time.monotonic()
        await vest.answered("y")
        await vest.spoken(STORAGE_BACK, t)
        assert (await vest.status())["storage"] is None
    records = journal_records(run / "journal.jsonl")
    gaps = [r for r in records if r["event"] == "journal.gap"]
    assert gaps and all(gap["lost"] > 0 for gap in gaps)
    after_gap = records[records.index(gaps[-1]) + 1 :]
    # Written again once the disk had room: the file goes on after its gap.
    assert any(r["event"] == "storage.state" and r["problem"] is None for r in after_gap)
    kept = open_database(run / "memory.sqlite3")
    assert kept.execute("SELECT thing FROM sightings").fetchall() == [("keys",)]
    kept.close()


async def test_a_run_folder_that_cannot_be_made_is_said_and_the_vest_works(
    tmp_path: Path,
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    run = tmp_path / "a-file" / "run"  # cannot be made, whoever runs the test (even root)
    socket = tmp_path / "control.sock"
    overrides = {"general": {"run_dir": str(run)}, "input": {"socket_path": str(socket)}}
    async with vest_process(tmp_path, overrides, socket=socket) as vest:
        unwritable = "Cannot write to storage: I can't remember new things."
        await vest.spoken(unwritable)  # with speech, which did not exist when it was found
        said = vest.said()
        assert said[said.index("Vestsight ready.") + 1] == unwritable
        assert said.count(unwritable) == 1
        await vest.answered("y")
        t = time.monotonic()
        await vest.client.tap("up")  # faster: a preference that cannot be saved is said
        await vest.hears("That setting is not saved; it lasts until the vest is switched off.", t)
        status = await vest.status()
        assert status["storage"] == "unwritable"
        assert status["speech"]["broken"] is None
