"""Real speech-to-text: espeak-ng says questions in English and Russian, the real Whisper base
model (CTranslate2, int8) transcribes them, on the service's own thread."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.conftest import TIMEOUT, event, recording
from tests.spoken import silence, spoken_pcm
from vestsight.errors import SttModelError
from vestsight.journal import Journal
from vestsight.llm.model_files import cache_dir
from vestsight.settings import SttSettings
from vestsight.stt.model_files import PACKAGED, model_files
from vestsight.stt.service import SpeechRecognizer, SttState
from vestsight.stt.whisper import WhisperEngine, pcm_to_floats


@pytest.fixture(scope="module")
def engine() -> WhisperEngine:
    whisper = WhisperEngine(model_files(PACKAGED, "", cache_dir()), threads=2, beam_size=5)
    whisper.load()
    return whisper


@pytest.mark.parametrize(
    ("text", "voice", "words"),
    [
        ("How many people are in front of me?", "en-gb", ["how many people", "front of me"]),
        ("What does it say?", "en-gb", ["what does it say"]),
        ("Is the door open?", "en-gb", ["door", "open"]),
    ],
)
def test_english_questions_are_heard(
    engine: WhisperEngine, text: str, voice: str, words: list[str]
) -> None:
    transcript = engine.transcribe(pcm_to_floats(spoken_pcm(text, voice)), ("en", "ru"))
    assert transcript.language == "en"
    assert all(word in transcript.text.lower() for word in words), transcript
    assert 0 < transcript.seconds < TIMEOUT


def test_a_russian_question_is_heard_in_russian(engine: WhisperEngine) -> None:
    # espeak-ng's Russian is hard for Whisper base: the nouns come through, the rest less so.
    pcm = spoken_pcm("Что это за предмет?", "ru")
    transcript = engine.transcribe(pcm_to_floats(pcm), ("en", "ru"), {"ru": 3.0})
    assert transcript.language == "ru"
    assert "предмет" in transcript.text.lower(), transcript


def test_silence_is_heard_as_nothing(engine: WhisperEngine) -> None:
    transcript = engine.transcribe(pcm_to_floats(silence(2.0)), ("en", "ru"))
    assert transcript.text == "", transcript


async def test_the_service_transcribes_off_the_loop(tmp_path: Path) -> None:
    journal = Journal()
    stt = SpeechRecognizer(SttSettings(), tmp_path, journal)
    task = asyncio.create_task(stt.run())
    try:
        await asyncio.wait_for(stt.ready.wait(), TIMEOUT * 3)
        assert stt.state is SttState.READY
        ticks = 0

        async def tick() -> None:  # the loop keeps turning while Whisper works
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        transcript = await stt.transcribe(spoken_pcm("Is the door open?"), "en")
        ticker.cancel()
        assert "door" in transcript.text.lower()
        assert ticks >= 3
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_missing_model_fails_once_and_quietly(tmp_path: Path) -> None:
    journal = Journal()
    failures: list[SttModelError] = []
    settings = SttSettings(model="whisper-nowhere")
    stt = SpeechRecognizer(settings, tmp_path, journal, failures.append)
    async with recording(journal) as log:
        task = asyncio.create_task(stt.run())
        await log.expect(event("stt.failed"))
    assert stt.state is SttState.FAILED and len(failures) == 1
    assert not task.done()  # no restart loop: it stays failed until the vest restarts
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_the_model_is_let_go_between_questions_and_back_for_the_next(tmp_path: Path) -> None:
    journal = Journal()
    stt = SpeechRecognizer(SttSettings(keep_loaded_s=0.05), tmp_path, journal)
    async with recording(journal) as log:
        task = asyncio.create_task(stt.run())
        try:
            await asyncio.wait_for(stt.ready.wait(), TIMEOUT * 3)
            await log.expect(event("stt.released"), within=TIMEOUT)
            stt.warm()  # the wearer starts to speak
            first = await stt.transcribe(spoken_pcm("Is the door open?"), "en")
            assert "door" in first.text.lower() and stt.state is SttState.READY
            loaded = await log.expect(event("stt.loaded"), within=TIMEOUT)
            await log.expect(event("stt.released"), since=loaded["mono"], within=TIMEOUT)
            # Nobody warmed it this time: the question waits for the load and is still heard.
            second = await stt.transcribe(spoken_pcm("What does it say?"), "en")
            assert "what does it say" in second.text.lower()
            released = [r["event"] for r in log.history if r["event"].startswith("stt.")]
            assert released[:4] == ["stt.ready", "stt.released", "stt.loaded", "stt.released"]
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
