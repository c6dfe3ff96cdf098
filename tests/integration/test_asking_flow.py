"""Asking by voice on the whole simulated vest: espeak-ng's questions played into the simulated
microphone through the control socket's ``listen`` (the push-to-talk button held for the WAV's
length), transcribed by the real Whisper model, answered by the real small model; and every bad
input heard by the wearer while the rest of the vest works on."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TIMEOUT, event
from tests.integration.vest import VestClient, running_vest
from tests.spoken import louder, silence, spoken_pcm, spoken_wav, write_wav
from vestsight.app import VestApp
from vestsight.camera.photos import skimage_photo_dir
from vestsight.journal import Record
from vestsight.llm.model_files import cache_dir
from vestsight.stt.model_files import PACKAGED, PARTS, assemble_packaged, file_name

pytestmark = pytest.mark.model

ASK_S = 90.0
"""Press -> answer on a loaded 2-core CI machine: hold time, speech, Whisper, the model."""
QUICK = {"gamepad": {"backend": "none"}, "speech": {"rate": 450}, "llm": {"max_answer_tokens": 24}}


def order(client: VestClient, since: float, *names: str) -> list[str]:
    """The first record of each of `names` after `since`, in journal order."""
    firsts: dict[str, float] = {}
    for record in client.since(since):
        firsts.setdefault(record["event"], record["mono"])
    return sorted((name for name in names if name in firsts), key=lambda name: firsts[name])


@contextlib.asynccontextmanager
async def listening_vest(
    folder: Path, config: dict[str, dict[str, Any]]
) -> AsyncIterator[tuple[VestApp, VestClient, list[Record]]]:
    """The vest, once its speech recognition has loaded (it loads beside the model)."""
    async with running_vest(folder, config) as (app, client, startup):
        await asyncio.wait_for(app.stt.settled.wait(), ASK_S)
        yield app, client, startup


async def ask(client: VestClient, wav: Path) -> float:
    before = time.monotonic()
    reply = await client.request(cmd="listen", wav=str(wav))
    assert reply["ok"], reply
    return before


async def done(client: VestClient, since: float, command: str = "ask") -> dict:
    return await client.expect(
        lambda r: r["event"] in ("command.done", "command.failed") and r["command"] == command,
        since,
        ASK_S,
    )


async def test_a_spoken_question_is_answered_about_what_is_in_view(tmp_path: Path) -> None:
    wav = spoken_wav(tmp_path / "q.wav", "How many people are in front of me?")
    async with listening_vest(tmp_path, QUICK) as (_app, client, _startup):
        pressed = await ask(client, wav)
        heard = await client.expect(event("voice.heard"), pressed, ASK_S)
        assert "how many people" in heard["text"].lower() and heard["language"] == "en"
        assert 0 < heard["seconds"] < ASK_S
        first = await client.expect(event("describe.sentence"), pressed, ASK_S)
        assert (await done(client, pressed))["event"] == "command.done"
        said = await client.said(pressed)
    assert order(
        client, pressed, "input.talk", "voice.listening", "voice.recorded", "voice.heard",
        "llm.request", "describe.sentence",
    ) == [
        "input.talk", "voice.listening", "voice.recorded", "voice.heard", "llm.request",
        "describe.sentence",
    ]  # fmt: skip
    assert said[0] == f"You asked: {heard['text']}"
    assert first["text"] in said
    haptics = [r["pattern"] for r in client.since(pressed) if r["event"] == "haptic"]
    assert haptics[:3] == ["ack", "ack", "centred"]  # the press, the hold, "speak now"
    sounds = [r["text"] for r in client.since(pressed) if r["event"] == "speech.queued"]
    assert sounds[:2] == ["[listening]", "[listened]"]


async def test_a_russian_question_on_a_russian_vest(tmp_path: Path) -> None:
    wav = spoken_wav(tmp_path / "q.wav", "Что это за предмет?", "ru")
    config = {**QUICK, "general": {"language": "ru"}, "llm": {"enabled": False}}
    async with listening_vest(tmp_path, config) as (_app, client, _startup):
        pressed = await ask(client, wav)
        heard = await client.expect(event("voice.heard"), pressed, ASK_S)
        await done(client, pressed)
        said = await client.said(pressed)
    assert heard["language"] == "ru" and "предмет" in heard["text"].lower(), heard
    assert said[:2] == [f"Вопрос: {heard['text']}", "Модель описания выключена."]


async def test_read_it_is_answered_from_the_text_in_view_word_for_word(tmp_path: Path) -> None:
    wav = spoken_wav(tmp_path / "q.wav", "Read the text.")
    config = {
        **QUICK,
        "camera": {"photos": str(skimage_photo_dir() / "page.png"), "width": 768, "height": 382},
        "llm": {"enabled": False},
    }
    async with listening_vest(tmp_path, config) as (_app, client, _startup):
        pressed = await ask(client, wav)
        await done(client, pressed)
        read = next(r for r in client.since(pressed) if r["event"] == "read.text")
        said = " ".join(await client.said(pressed, source="read"))
    assert read["text"].split()[0] in said
    assert "markers" in said.lower() or "pixels" in said.lower()
    assert not [r for r in client.since(pressed) if r["event"] == "llm.request"]


async def test_bad_questions_are_heard_and_nothing_else_stops(tmp_path: Path) -> None:
    question = spoken_pcm("Is the door open?")
    silent = write_wav(tmp_path / "silent.wav", silence(1.5))
    clipped = write_wav(tmp_path / "clipped.wav", louder(question, 40))
    not_wav = tmp_path / "not.wav"
    not_wav.write_text("this is text, not audio")
    long_one = write_wav(tmp_path / "long.wav", question + silence(1.0) + question)
    config = {**QUICK, "llm": {"enabled": False}, "microphone": {"max_seconds": 3.0}}
    async with listening_vest(tmp_path, config) as (app, client, _startup):
        # Silence: nothing is sent to Whisper.
        pressed = await ask(client, silent)
        await done(client, pressed)
        assert "I didn't catch that." in await client.said(pressed)

        # Clipped: said, and still heard.
        pressed = await ask(client, clipped)
        await done(client, pressed)
        said = await client.said(pressed)
        assert any("too loud" in text for text in said), said
        assert (await client.expect(event("voice.heard"), pressed))["text"]

        # Not a WAV: refused, said, felt.
        before = time.monotonic()
        reply = await client.request(cmd="listen", wav=str(not_wav))
        assert not reply["ok"] and "not a WAV" in reply["error"]
        await client.expect(event("speech.queued", text="That recording cannot be used."), before)
        await client.expect(event("haptic", pattern="error"), before)

        # Longer than the longest question: cut there, said, answered.
        pressed = await ask(client, long_one)
        recorded = await client.expect(event("voice.recorded"), pressed, ASK_S)
        assert recorded["ended"] == "longest" and recorded["seconds"] == pytest.approx(3.0)
        await done(client, pressed)
        assert "That is as long as a question can be; answering it." in await client.said(pressed)

        # Unplugged mid-question.
        pressed = await ask(client, write_wav(tmp_path / "q.wav", question))
        await client.expect(event("voice.listening"), pressed)
        app.microphone.backend.unplugged = True  # type: ignore[attr-defined]
        await client.expect(event("voice.failed"), pressed)
        await done(client, pressed)
        assert "The microphone stopped working; ask again when it is back." in (
            await client.said(pressed)
        )
        app.microphone.backend.unplugged = False  # type: ignore[attr-defined]

        # Another press cancels a question being asked.
        pressed = await ask(client, write_wav(tmp_path / "q2.wav", question))
        await client.expect(event("voice.listening"), pressed)
        await client.tap("x")
        await client.expect(event("command.cancel", command="command-ask"), pressed)
        await client.expect(event("command.start", command="read"), pressed)

        # Everything else still works: what's ahead.
        tapped = await client.tap("y")
        await client.expect(event("command.done", command="ahead"), tapped, TIMEOUT)
        assert (await client.request(cmd="status"))["status"]["stt"] == "ready"


async def test_a_damaged_speech_model_is_said_and_the_vest_works_on(tmp_path: Path) -> None:
    model = tmp_path / "whisper"
    model.mkdir()
    packaged = assemble_packaged(cache_dir())
    for part in ("config", "vocabulary"):
        shutil.copy(packaged / file_name(PACKAGED, part), model / PARTS[part])
    (model / "model.bin").write_bytes(b"\x00" * 4096)  # a damaged model file
    wav = spoken_wav(tmp_path / "q.wav", "Is the door open?")
    config = {**QUICK, "llm": {"enabled": False}, "stt": {"model_path": str(model)}}
    async with listening_vest(tmp_path, config) as (app, client, startup):
        assert app.stt.failure is not None
        assert "cannot load the speech model" in str(app.stt.failure)
        missing = (
            "The speech recognition model is missing or damaged; asking by voice is not available."
        )
        told = [*startup, *client.history]
        if not any(r["event"] == "speech.queued" and r["text"] == missing for r in told):
            await client.expect(event("speech.queued", text=missing), 0.0)
        pressed = await ask(client, wav)
        await done(client, pressed)
        assert await client.said(pressed) == [missing]
        tapped = await client.tap("a")
        await client.expect(event("command.done", command="describe"), tapped, TIMEOUT)
        status = (await client.request(cmd="status"))["status"]
        assert status["stt"] == "failed"
    assert not [r for r in startup if r["event"] == "service.failed" and r["service"] == "stt"]
