"""Presses, commands and streaming speech, with a scripted model (a fake subclassing the client).

The real model is exercised in tests/integration; here the token stream is under the test's
control, so "speech starts before generation finishes" is shown deterministically.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
from collections.abc import AsyncIterator

import numpy as np
from PIL import Image

from tests.conftest import event, recording
from tests.unit.simulated_vest import feedback_of
from vestsight import commands
from vestsight.aio import cancel_and_wait
from vestsight.camera.jpeg import MODEL_IMAGE_SIDE, model_jpeg
from vestsight.commands import Vest
from vestsight.controller import Controller
from vestsight.inputs.events import Action, InputEvent, InputQueue, Source
from vestsight.journal import Journal
from vestsight.menu import SpokenMenu
from vestsight.settings import ButtonMapSettings


def press(inputs: InputQueue, button: str) -> None:
    """A short press: down and up, as a finger taps."""
    inputs.submit(InputEvent(Source.GAMEPAD, button, Action.PRESS, origin="test"))
    inputs.submit(InputEvent(Source.GAMEPAD, button, Action.RELEASE, origin="test"))


async def test_first_sentence_is_spoken_while_the_model_still_works(vest, journal: Journal) -> None:
    _vest, inputs, llm = vest
    async with recording(journal) as log:
        press(inputs, "a")
        fast = await log.expect(event("speech.start", source="fast"))
        first = await log.expect(event("speech.start", source="llm"))
        assert first["mono"] > fast["mono"]
        assert first["text"] == "The door is open."
        assert not llm.finished  # the model is held at the gate: still "generating"
        llm.gate.set()
        await log.expect(event("command.done", command="describe"))
        await log.expect(event("speech.end", text="End."))
    spoken = [r["text"] for r in log.history if r["event"] == "speech.start"]
    # The camera's first photo is the astronaut: her face is said first, then the model's words.
    assert spoken == [
        "Person at 12 o'clock, within arm's reach, facing you.",
        "The door is open.",
        "A chair stands left.",
        "End.",
    ]
    assert llm.finished and not llm.cancelled
    assert "Detected: Person at 12 o'clock, within arm's reach, facing you." in llm.prompts[0]


async def test_a_model_that_takes_images_is_shown_the_frame(vest, journal: Journal) -> None:
    _vest, inputs, llm = vest
    llm.gate.set()
    async with recording(journal) as log:
        press(inputs, "a")
        first = await log.expect(event("command.done", command="describe"))
        llm.vision = True
        press(inputs, "a")
        await log.expect(event("command.done", command="describe"), since=first["mono"] + 1e-6)
    without, with_image = llm.images
    assert without == b""
    # Without the image the model is told only what was measured; with it, to describe it.
    assert "light:" in llm.prompts[0] and "picture" not in llm.prompts[0]
    assert "light:" not in llm.prompts[1] and "Describe the scene in this picture" in llm.prompts[1]
    image = Image.open(io.BytesIO(with_image))
    assert image.format == "JPEG" and image.size == (320, 240)  # never enlarged
    big = Image.open(io.BytesIO(model_jpeg(np.zeros((1200, 1600, 3), np.uint8))))
    assert big.size == (MODEL_IMAGE_SIDE, MODEL_IMAGE_SIDE * 3 // 4)


async def test_a_new_press_cancels_generation_and_speech(vest, journal: Journal) -> None:
    the_vest, inputs, llm = vest
    async with recording(journal) as log:
        press(inputs, "a")
        speaking = await log.expect(event("speech.start", source="llm"))  # model held at its gate
        press(inputs, "l")  # repeat: the old answer is cut, then said again whole
        await log.expect(event("command.cancel"))
        cut = await log.expect(event("speech.end", id=speaking["id"]))
        assert cut["outcome"] == "interrupted"
        repeated = await log.expect(event("speech.start", source="repeat"))
    assert llm.cancelled and not llm.finished
    assert the_vest.session.last_answer[1] == "The door is open."
    assert (
        the_vest.session.last_answer[0] == "Person at 12 o'clock, within arm's reach, facing you."
    )
    assert repeated["text"] == the_vest.session.last_answer[0]


async def test_a_failing_command_is_heard_and_felt(vest, journal: Journal, monkeypatch) -> None:
    the_vest, inputs, _llm = vest

    async def broken(_vest: Vest) -> None:
        raise KeyError("bug")

    monkeypatch.setitem(commands.COMMANDS, "status", broken)
    async with recording(journal) as log:
        press(inputs, "start")
        await log.expect(event("command.failed", command="status"))
        await log.expect(event("haptic", pattern="error"))
        said = await log.expect(event("speech.queued", source="error"))
    assert said["text"] == "something went wrong"
    assert the_vest.speaker.speaking


async def test_help_speaks_the_button_map(vest, journal: Journal) -> None:
    _vest, inputs, _llm = vest
    async with recording(journal) as log:
        press(inputs, "select")
        await log.expect(event("command.done", command="help"))
    spoken = [r["text"] for r in log.history if r["event"] == "speech.queued"]
    assert spoken[:3] == ["Buttons.", "A: describe.", "B: stop."]
    assert "Vest main button: describe." in spoken


async def test_a_button_without_a_command_says_so(vest, journal: Journal) -> None:
    _vest, inputs, _llm = vest
    async with recording(journal) as log:  # every gamepad button is mapped; this vest button not
        inputs.submit(InputEvent(Source.GPIO, "aux", Action.PRESS, origin="test"))
        said = await log.expect(event("speech.queued", source="command"))
    assert said["text"] == "Button aux has no command."


@contextlib.asynccontextmanager
async def controller_with(vest: Vest, **buttons: object) -> AsyncIterator[InputQueue]:
    """A second controller on the same vest, with its own button maps and input queue."""
    settings = dataclasses.replace(
        vest.settings, buttons=dataclasses.replace(vest.settings.buttons, **buttons)
    )
    inputs = InputQueue()
    menu = SpokenMenu(vest.speaker, vest.phrases, vest.journal)
    own = dataclasses.replace(vest, settings=settings, choose=menu.choose)
    controller = Controller(own, inputs, menu, feedback_of(vest))
    task = asyncio.create_task(controller.run())
    try:
        yield inputs
    finally:
        await cancel_and_wait([task])


DOUBLE = {
    "gamepad": {**ButtonMapSettings().gamepad, "x": "repeat"},
    "gamepad_double": {"x": "status"},
    "double_ms": 400,
}


async def test_double_press_runs_its_own_command_and_never_the_single(
    vest, journal: Journal
) -> None:
    async with controller_with(vest[0], **DOUBLE) as inputs, recording(journal) as log:
        press(inputs, "x")
        press(inputs, "x")  # the second press comes well inside double_ms
        await log.expect(event("input.double", button="x"))
        await log.expect(event("command.done", command="status"))
        acks = [r for r in log.history if r["event"] == "haptic" and r["pattern"] == "ack"]
        assert len(acks) == 2  # each press is felt at once, the double as much as the single
        started = [r["command"] for r in log.history if r["event"] == "command.start"]
        assert started == ["status"]


async def test_single_press_of_a_double_button_runs_once_the_window_passes(
    vest, journal: Journal
) -> None:
    async with controller_with(vest[0], **DOUBLE) as inputs, recording(journal) as log:
        press(inputs, "x")
        released = await log.expect(event("input", button="x", action="release"))
        started = await log.expect(event("command.start", command="repeat"))
        assert started["mono"] - released["mono"] >= 0.4  # it waited for a second press
        await log.expect(event("command.done", command="repeat"))
        assert not [r for r in log.history if r["event"] == "input.double"]


async def test_another_button_during_the_window_drops_the_pending_single(
    vest, journal: Journal
) -> None:
    async with controller_with(vest[0], **DOUBLE) as inputs, recording(journal) as log:
        press(inputs, "x")
        press(inputs, "start")  # a different button: its own command, the tap is forgotten
        await log.expect(event("command.done", command="status"))
        pending = log.history[-1]["mono"]
        press(inputs, "b")  # a later press still cancels nothing left over from the tap
        await log.expect(event("command.done", command="stop"), since=pending)
        started = [r["command"] for r in log.history if r["event"] == "command.start"]
        assert started == ["status", "stop"]


async def test_help_speaks_double_presses_too(vest, journal: Journal) -> None:
    async with controller_with(vest[0], **DOUBLE) as inputs, recording(journal) as log:
        inputs.submit(InputEvent(Source.GAMEPAD, "select", Action.PRESS, origin="test"))
        inputs.submit(InputEvent(Source.GAMEPAD, "select", Action.RELEASE, origin="test"))
        await log.expect(event("command.done", command="help"))
        said = [r["text"] for r in log.history if r["event"] == "speech.queued"]
        assert "X, twice: status." in said
