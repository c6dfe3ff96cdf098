"""Asking by voice with a scripted model and a stand-in transcriber: the push-to-talk button,
what is said when, and what the model is asked. Real speech-to-text: tests/integration."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import TIMEOUT, event, recording
from tests.spoken import louder, silence, spoken_pcm
from tests.unit.test_controller import controller_with, press
from vestsight.commands import Vest
from vestsight.commands.asking import ask
from vestsight.errors import SttError
from vestsight.inputs.events import Action, InputEvent, InputQueue, Source
from vestsight.journal import Journal
from vestsight.microphone import MicrophoneService, SimulatedMicrophone
from vestsight.settings import Settings
from vestsight.stt.service import SpeechRecognizer, SttState
from vestsight.stt.whisper import Transcript


class HeardStt(SpeechRecognizer):
    """Transcribes every recording as `text` (or fails with `error`)."""

    def __init__(self, journal: Journal, text: str) -> None:
        super().__init__(Settings().stt, Path("."), journal)
        self.text = text
        self.error: SttError | None = None
        self.state = SttState.READY
        self.heard: list[bytes] = []

    async def run(self) -> None:
        self.ready.set()
        await asyncio.Future()

    async def transcribe(self, pcm: bytes, own_language: str) -> Transcript:
        self.heard.append(pcm)
        if self.error is not None:
            raise self.error
        return Transcript(self.text, own_language, 1.0, 0.0, len(pcm) / 32000, 0.25)


@contextlib.asynccontextmanager
async def listening(
    vest: Vest, journal: Journal, text: str = "What colour is the cup?"
) -> AsyncIterator[tuple[Vest, SimulatedMicrophone, HeardStt]]:
    """`vest` with a simulated microphone and speech-to-text that hears `text` (same session)."""
    microphone = SimulatedMicrophone()
    service = MicrophoneService(microphone, journal)
    service.ready.set()
    stt = HeardStt(journal, text)
    yield dataclasses.replace(vest, microphone=service, stt=stt), microphone, stt


async def ask_with(vest: Vest, microphone: SimulatedMicrophone, pcm: bytes) -> None:
    """Ask `pcm` as if the button were let go as soon as it was heard."""
    microphone.play(pcm)
    released = asyncio.Event()
    asyncio.get_running_loop().call_later(len(pcm) / 32000 + 0.1, released.set)
    await asyncio.wait_for(ask(vest, released), TIMEOUT * 2)


async def test_a_question_goes_to_the_model_with_what_is_in_view(vest, journal: Journal) -> None:
    the_vest, _inputs, llm = vest
    llm.gate.set()
    async with listening(the_vest, journal) as (asking, microphone, stt), recording(journal) as log:
        await ask_with(asking, microphone, spoken_pcm("What colour is the cup?"))
        await log.expect(event("speech.queued", source="llm"))
    order = [r["event"] for r in log.history if r["event"].startswith("voice.")]
    assert order == ["voice.listening", "voice.recorded", "voice.heard"]
    heard = next(r for r in log.history if r["event"] == "voice.heard")
    assert (heard["text"], heard["language"], heard["seconds"]) == (
        "What colour is the cup?", "en", 0.25,
    )  # fmt: skip
    said = [r["text"] for r in log.history if r["event"] == "speech.queued"]
    assert said[:2] == ["[listening]", "[listened]"]
    assert "You asked: What colour is the cup?" in said
    assert "My question: What colour is the cup?" in llm.prompts[-1]
    assert "in English" in llm.prompts[-1]
    assert the_vest.session.last_exchange[-1]["role"] == "assistant"
    assert stt.heard and len(stt.heard[0]) > 32000  # the recording, not silence


async def test_a_follow_up_question_carries_the_previous_exchange(vest, journal: Journal) -> None:
    the_vest, _inputs, llm = vest
    llm.gate.set()
    the_vest.session.last_exchange = [
        {"role": "system", "content": "system"},
        {"role": "user", "content": "Describe it."},
        {"role": "assistant", "content": "A red cup on a table."},
    ]
    seen: list[list[dict[str, str]]] = []
    generate = llm.generate

    def spying(messages: list[dict[str, str]], **kwargs: object) -> object:
        seen.append(messages)
        return generate(messages, **kwargs)  # type: ignore[arg-type]

    llm.generate = spying  # type: ignore[method-assign]
    async with listening(the_vest, journal, "Is it full?") as (asking, microphone, _stt):
        await ask_with(asking, microphone, spoken_pcm("Is it full?"))
    assert [m["role"] for m in seen[0]] == ["system", "user", "assistant", "user"]
    assert seen[0][2]["content"] == "A red cup on a table."


async def test_silence_is_not_sent_to_speech_recognition(vest, journal: Journal) -> None:
    the_vest, _inputs, llm = vest
    async with listening(the_vest, journal) as (asking, microphone, stt), recording(journal) as log:
        await ask_with(asking, microphone, silence(1.0))
    said = [r["text"] for r in log.history if r["event"] == "speech.queued"]
    assert "I didn't catch that." in said
    assert not stt.heard and not llm.prompts
    assert next(r for r in log.history if r["event"] == "voice.heard")["silent"]


async def test_nothing_heard_in_a_recording_is_said(vest, journal: Journal) -> None:
    the_vest, _inputs, llm = vest
    async with (
        listening(the_vest, journal, "") as (asking, microphone, stt),
        recording(journal) as log,
    ):
        await ask_with(asking, microphone, spoken_pcm("Mm."))
    assert stt.heard and not llm.prompts
    assert "I didn't catch that." in [
        r["text"] for r in log.history if r["event"] == "speech.queued"
    ]


async def test_a_clipped_recording_is_said_and_still_heard(vest, journal: Journal) -> None:
    the_vest, _inputs, llm = vest
    llm.gate.set()
    async with listening(the_vest, journal) as (asking, microphone, stt), recording(journal) as log:
        await ask_with(asking, microphone, louder(spoken_pcm("What colour is the cup?"), 40))
    said = [r["text"] for r in log.history if r["event"] == "speech.queued"]
    assert any("too loud" in text for text in said)
    assert stt.heard and llm.prompts


async def test_transcription_failing_is_said_and_nothing_else_breaks(
    vest, journal: Journal
) -> None:
    the_vest, inputs, _llm = vest
    async with listening(the_vest, journal) as (asking, microphone, stt), recording(journal) as log:
        stt.error = SttError("took too long")
        await ask_with(asking, microphone, spoken_pcm("Is the door open?"))
        await log.expect(event("speech.queued", text="Speech recognition failed; ask again."))
        await log.expect(event("haptic", pattern="error"))
        press(inputs, "l")  # repeat still works
        await log.expect(event("command.done", command="repeat"))


@pytest.mark.parametrize(
    ("state", "said"),
    [
        (SttState.LOADING, "Speech recognition is still loading."),
        (
            SttState.FAILED,
            "The speech recognition model is missing or damaged; asking by voice is not available.",
        ),
        (SttState.OFF, "Asking by voice is switched off."),
    ],
)
async def test_a_question_that_cannot_be_heard_says_why(
    vest, journal: Journal, state: SttState, said: str
) -> None:
    the_vest, _inputs, _llm = vest
    async with (
        listening(the_vest, journal) as (asking, _microphone, stt),
        recording(journal) as log,
    ):
        stt.state = state
        await asyncio.wait_for(ask(asking, asyncio.Event()), TIMEOUT)
    assert [r["text"] for r in log.history if r["event"] == "speech.queued"] == [said]


def talk(inputs: InputQueue, button: str, action: Action) -> None:
    inputs.submit(InputEvent(Source.GAMEPAD, button, action, origin="test"))


async def test_push_to_talk_short_press_keeps_its_command_and_hold_asks(
    vest, journal: Journal
) -> None:
    the_vest, _inputs, llm = vest
    llm.gate.set()
    async with (
        listening(the_vest, journal) as (asking, microphone, _stt),
        controller_with(asking, hold_ms=300) as inputs,
        recording(journal) as log,
    ):
        press(inputs, "r")  # a short press: "continue", as before
        await log.expect(event("command.done", command="continue"))
        microphone.play(spoken_pcm("What colour is the cup?"))
        talk(inputs, "r", Action.PRESS)
        held = await log.expect(event("input.talk", button="r"))
        await log.expect(event("command.start", command="ask"))
        await log.expect(event("voice.listening"))
        talk(inputs, "r", Action.RELEASE)
        await log.expect(event("voice.heard"), held["mono"])
        await log.expect(event("command.done", command="ask"), held["mono"], TIMEOUT * 2)


async def test_any_other_press_cancels_the_question(vest, journal: Journal) -> None:
    the_vest, _inputs, llm = vest
    async with (
        listening(the_vest, journal) as (asking, microphone, stt),
        controller_with(asking, hold_ms=300) as inputs,
        recording(journal) as log,
    ):
        microphone.play(spoken_pcm("What colour is the cup?"))
        talk(inputs, "r", Action.PRESS)
        await log.expect(event("voice.listening"))
        press(inputs, "b")
        await log.expect(event("command.cancel", command="command-ask"))
        await log.expect(event("speech.queued", text="[listened]"))
        talk(inputs, "r", Action.RELEASE)  # too late: nothing more happens
        await log.expect(event("command.done", command="stop"))
    assert not stt.heard and not llm.prompts
    assert not [r for r in log.history if r["event"] == "voice.heard"]


async def test_help_names_the_push_to_talk_buttons(vest, journal: Journal) -> None:
    _vest, inputs, _llm = vest
    async with recording(journal) as log:
        press(inputs, "select")
        await log.expect(event("command.done", command="help"))
    spoken = [r["text"] for r in log.history if r["event"] == "speech.queued"]
    assert "Right shoulder, held: ask by voice, speaking while you hold it." in spoken
    assert "Vest stop button, held: ask by voice, speaking while you hold it." in spoken
    assert "Right shoulder: continue reading." in spoken
