"""The speaker with real espeak-ng writing real WAV files: order, interruption, urgency."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import pytest

from tests.conftest import TIMEOUT, event, wait_record
from vestsight.errors import SpeechError
from vestsight.journal import Journal
from vestsight.speech.audio import Audio
from vestsight.speech.output import WavFileOutput
from vestsight.speech.reading import Spoken
from vestsight.speech.speaker import Priority, Speaker
from vestsight.speech.synth import EspeakSynthesizer, Voice

VOICE = Voice("en-gb", 175, 100)
LONG = "This sentence is long enough to be speaking when the test interrupts it, surely."


@pytest.fixture
async def speaker(tmp_path: Path, journal: Journal):
    speaker = Speaker(EspeakSynthesizer(), WavFileOutput(tmp_path, realtime=True), VOICE, journal)
    task = asyncio.create_task(speaker.run())
    await asyncio.wait_for(speaker.ready.wait(), TIMEOUT)
    yield speaker
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_sentences_become_wav_files_in_order(speaker: Speaker, journal: Journal) -> None:
    async with journal.subscribe() as records:
        first = speaker.say("Hello.")
        second = speaker.say("Привет, как дела?")
        assert await asyncio.wait_for(second.finished, TIMEOUT) == "done"
        assert first.finished.result() == "done"
        ends = [await wait_record(records, event("speech.end")) for _ in range(2)]
    assert [e["id"] for e in ends] == [first.id, second.id]
    paths = [Path(e["wav"]) for e in ends]
    assert paths == sorted(paths)
    for path in paths:
        with wave.open(str(path)) as wav:
            assert wav.getnframes() / wav.getframerate() > 0.3
            assert wav.getnchannels() == 1


async def test_stop_silences_at_once_and_drops_the_queue(
    speaker: Speaker, journal: Journal
) -> None:
    async with journal.subscribe() as records:
        playing = speaker.say(LONG)
        queued = [speaker.say("Never heard."), speaker.say("Nor this.")]
        await wait_record(records, event("speech.start", id=playing.id))
        assert speaker.speaking
        assert speaker.stop() == 3
        stopped = await wait_record(records, event("speech.stopped"))
        end = await wait_record(records, event("speech.end", id=playing.id))
    assert end["outcome"] == "interrupted" and end["mono"] >= stopped["mono"]
    assert [await asyncio.wait_for(u.finished, TIMEOUT) for u in queued] == ["dropped"] * 2
    assert not speaker.speaking
    after = speaker.say("Back again.")
    assert await asyncio.wait_for(after.finished, TIMEOUT) == "done"


async def test_urgent_cuts_in_and_the_cut_sentence_is_not_repeated(
    speaker: Speaker, journal: Journal
) -> None:
    async with journal.subscribe() as records:
        playing = speaker.say(LONG)
        later = speaker.say("Then this.")
        await wait_record(records, event("speech.start", id=playing.id))
        urgent = speaker.say("Controller disconnected.", priority=Priority.URGENT)
        starts = [await wait_record(records, event("speech.start")) for _ in range(2)]
    assert await asyncio.wait_for(playing.finished, TIMEOUT) == "interrupted"
    assert [s["id"] for s in starts] == [urgent.id, later.id]
    assert await asyncio.wait_for(later.finished, TIMEOUT) == "done"


async def test_a_sentence_that_cannot_be_synthesized_fails_alone(
    tmp_path: Path, journal: Journal
) -> None:
    speaker = Speaker(
        EspeakSynthesizer(),
        WavFileOutput(tmp_path, realtime=False),
        Voice("xx-nope", 175, 100),
        journal,
    )
    task = asyncio.create_task(speaker.run())
    bad = speaker.say("Unknown voice.")
    assert await asyncio.wait_for(bad.finished, TIMEOUT) == "failed"
    speaker.voice = VOICE
    good = speaker.say("Known voice.")
    assert await asyncio.wait_for(good.finished, TIMEOUT) == "done"
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_missing_espeak_is_a_named_error(tmp_path: Path, journal: Journal) -> None:
    speaker = Speaker(
        EspeakSynthesizer("espeak-ng-not-installed"), WavFileOutput(tmp_path, realtime=False),
        VOICE, journal,
    )  # fmt: skip
    changes: list[str] = []
    speaker.health.listener = changes.append
    task = asyncio.create_task(speaker.run())  # earcons can still be heard: it runs, broken
    await asyncio.wait_for(speaker.ready.wait(), TIMEOUT)
    assert changes == ["broken"] and speaker.broken
    assert speaker.health.reason == "synthesizer"
    assert "not installed" in speaker.health.error and "espeak-ng package" in speaker.health.error
    said = speaker.say("Hello.")
    assert await asyncio.wait_for(said.finished, TIMEOUT) == "failed"
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_rate_is_clamped(speaker: Speaker) -> None:
    assert speaker.set_rate(9000) == 450
    assert speaker.set_rate(10) == 80


async def test_espeak_audio_header_is_repaired() -> None:
    audio = await asyncio.wait_for(EspeakSynthesizer().synthesize("One two.", VOICE), TIMEOUT)
    assert audio.rate == 22050 and audio.duration > 0.3
    again = Audio.from_wav(audio.to_wav())
    assert again == audio
    with pytest.raises(SpeechError):
        Audio.from_wav(b"RIFF\x00\x00\x00\x00WAVEjunk")
    with pytest.raises(SpeechError):
        Audio.from_wav(b"not audio at all")


async def test_a_sentence_waiting_or_being_said_is_pending(speaker: Speaker) -> None:
    first = speaker.say("Description engine restarting.", priority=Priority.URGENT)
    second = speaker.say("Something else.")
    assert speaker.is_pending("description engine restarting")  # case and full stop aside
    assert speaker.is_pending("Something else.")
    assert not speaker.is_pending("Description engine ready.")
    await asyncio.wait_for(second.finished, TIMEOUT)
    assert first.finished.result() == "done"
    assert not speaker.is_pending("Description engine restarting.")


async def test_each_line_is_read_by_the_voice_of_its_language(
    speaker: Speaker, journal: Journal
) -> None:
    """A Cyrillic line by the Russian voice, a Latin one by the English voice, whatever the vest
    speaks; the records say which voice; the vest's own phrases keep the vest's voice."""
    async with journal.subscribe() as records:
        russian = speaker.say(Spoken("Не выше 25 градусов.", "ru"), source="read")
        english = speaker.say(Spoken("Store below 25 degrees.", "en"), source="read")
        digits = speaker.say("308788", source="read", language="ru")
        phrase = speaker.say("Привет.")  # not a read line: the vest's voice
        queued = [await wait_record(records, event("speech.queued")) for _ in range(4)]
        starts = [await wait_record(records, event("speech.start")) for _ in range(4)]
        assert await asyncio.wait_for(phrase.finished, TIMEOUT) == "done"
    assert [r["voice"] for r in queued] == ["ru", "en-gb", "ru", "en-gb"]
    assert [r["voice"] for r in starts] == ["ru", "en-gb", "ru", "en-gb"]
    voices = [u.voice for u in (russian, english, digits) if u.voice]
    assert [v.name for v in voices] == ["ru", "en-gb", "ru"]
    assert {v.rate for v in voices} == {VOICE.rate}


def test_a_voice_chosen_by_name_is_kept_for_its_own_language(
    tmp_path: Path, journal: Journal
) -> None:
    output = WavFileOutput(tmp_path, realtime=False)
    american = Speaker(EspeakSynthesizer(), output, Voice("en-us", 200, 90), journal)
    assert american.voice_for("en").name == "en-us"
    assert american.voice_for(None).name == "en-us"
    assert american.voice_for("ru") == Voice("ru", 200, 90)
    other = Speaker(EspeakSynthesizer(), output, Voice("mb-xx1", 200, 90), journal)
    assert other.voice_for("ru").name == "ru"
    assert other.voice_for("xx").name == "mb-xx1"  # no voice for that language: the vest's own


async def test_a_reminder_gives_way_to_any_sentence_and_is_deferred_not_cut(
    speaker: Speaker, journal: Journal
) -> None:
    async with journal.subscribe() as records:
        reminder = speaker.say(LONG, priority=Priority.REMINDER)
        await wait_record(records, event("speech.start", id=reminder.id))
        answer = speaker.say("Person ahead.")
        start = await wait_record(records, event("speech.start"))
    assert start["id"] == answer.id
    assert await asyncio.wait_for(reminder.finished, TIMEOUT) == "deferred"
    assert await asyncio.wait_for(answer.finished, TIMEOUT) == "done"


async def test_a_lull_ends_only_after_everything_said_and_some_quiet(
    speaker: Speaker, journal: Journal
) -> None:
    async with journal.subscribe() as records:
        first = speaker.say("One.")
        lull = asyncio.create_task(speaker.lull(0.3))
        await wait_record(records, event("speech.end", id=first.id))
        second = speaker.say("Two.")  # said within the quiet: the lull starts again after it
        await asyncio.wait_for(lull, TIMEOUT)
        lulled = journal.publish("test.lulled")
        end = await wait_record(records, event("speech.end", id=second.id))
    assert end["mono"] + 0.3 <= lulled["mono"]
    assert not speaker.speaking
