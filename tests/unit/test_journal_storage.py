"""The journal and the speech WAV files never stop the vest (issue 16, items 1 and 6)."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

from tests.conftest import TIMEOUT
from vestsight.journal import Journal
from vestsight.speech.audio import Audio
from vestsight.speech.output import WavFileOutput
from vestsight.storage import FULL, UNWRITABLE, StorageHealth


async def test_a_journal_that_cannot_be_written_still_reaches_its_subscribers(
    tmp_path: Path,
) -> None:
    (tmp_path / "a-file").write_text("")
    told: list[str] = []
    storage = StorageHealth()
    storage.listener = told.append
    journal = Journal(tmp_path / "a-file" / "journal.jsonl", storage=storage)
    async with journal.subscribe() as records:
        for number in range(3):
            journal.publish("press", number=number)
        got = [await asyncio.wait_for(records.get(), TIMEOUT) for _ in range(3)]
    assert [r["number"] for r in got] == [0, 1, 2]
    assert told == [UNWRITABLE]  # once, not once per record
    journal.close()


async def test_the_journal_is_owner_only_and_replays_its_recent_records(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_text("")
    path.chmod(0o644)  # as an older version left it
    journal = Journal(path, history=2)
    for number in range(3):
        journal.publish("press", number=number)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    async with journal.subscribe(replay=True) as records:
        journal.publish("press", number=3)
        got = [(await asyncio.wait_for(records.get(), TIMEOUT))["number"] for _ in range(3)]
    assert got == [1, 2, 3]
    journal.close()


def test_storage_is_told_once_full_then_once_back() -> None:
    told: list[str] = []
    storage = StorageHealth()
    storage.listener = told.append
    storage.failed("journal", FULL)
    storage.failed("memory", FULL)
    storage.failed("journal", FULL)
    storage.worked("journal")
    assert told == [FULL]
    storage.worked("memory")
    assert told == [FULL, ""]
    assert storage.problem == ""


async def test_speech_wav_files_are_pruned(tmp_path: Path) -> None:
    output = WavFileOutput(tmp_path / "speech", realtime=False, keep=3)
    output.check()
    audio = Audio(b"\0\0" * 160, 16000)
    for number in range(10):
        await output.play(audio, f"{number:03d}")
    assert sorted(p.name for p in (tmp_path / "speech").iterdir()) == [
        "007.wav",
        "008.wav",
        "009.wav",
    ]


async def test_speech_moves_to_a_temporary_folder_when_the_run_folder_cannot_take_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "a-file").write_text("")
    output = WavFileOutput(tmp_path / "a-file" / "speech", realtime=False)
    output.check()
    path = await output.play(Audio(b"\0\0" * 160, 16000), "said")
    assert path.exists() and path.parent == output.folder
    assert not output.folder.is_relative_to(tmp_path)
    path.unlink()
    output.folder.rmdir()
