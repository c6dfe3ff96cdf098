"""The control socket's ``listen``: the WAV is played into the simulated microphone and the
push-to-talk button held for its length; a WAV that cannot be played in is refused and told."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.conftest import TIMEOUT
from tests.spoken import silence, write_wav
from vestsight.errors import InputError, RecordingFormatError
from vestsight.gpio.buttons import GpioButtons
from vestsight.gpio.pins import Pins
from vestsight.inputs.control_socket import ControlSocket
from vestsight.inputs.events import Action, InputQueue, Source
from vestsight.journal import Journal
from vestsight.microphone import SimulatedMicrophone
from vestsight.microphone.listen import RELEASE_MARGIN_S, Listener
from vestsight.settings import GpioSettings


def listener(microphone: SimulatedMicrophone | None, told: list[RecordingFormatError]) -> Listener:
    return Listener(microphone, Source.GAMEPAD, "r", 0.6, 15.0, told.append)


async def test_a_wav_is_loaded_into_the_microphone_for_the_hold_plus_its_length(
    tmp_path: Path,
) -> None:
    microphone = SimulatedMicrophone()
    told: list[RecordingFormatError] = []
    wav = write_wav(tmp_path / "q.wav", silence(2.0))
    hold_s = await listener(microphone, told).prepare(wav)
    assert hold_s == pytest.approx(0.6 + 2.0 + RELEASE_MARGIN_S)
    assert microphone._sound == silence(2.0) and not told


async def test_a_wav_that_cannot_be_played_in_is_told(tmp_path: Path) -> None:
    told: list[RecordingFormatError] = []
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF....WAVEnothing")
    with pytest.raises(RecordingFormatError):
        await listener(SimulatedMicrophone(), told).prepare(bad)
    assert len(told) == 1
    with pytest.raises(InputError, match="simulated"):
        await listener(None, told).prepare(bad)  # a real microphone hears only the room


async def test_the_socket_holds_the_button_for_the_sound(tmp_path: Path) -> None:
    inputs = InputQueue()
    settings = GpioSettings()
    gpio = GpioButtons(settings, Pins(settings), inputs)
    told: list[RecordingFormatError] = []
    socket = ControlSocket(
        tmp_path / "control.sock", inputs, gpio.simulate, Journal(), dict,
        listener=Listener(SimulatedMicrophone(), Source.GAMEPAD, "r", 0.05, 15.0, told.append),
    )  # fmt: skip
    task = asyncio.create_task(socket.run())
    await asyncio.wait_for(socket.ready.wait(), TIMEOUT)
    reader, writer = await asyncio.open_unix_connection(str(socket.path))
    try:
        wav = write_wav(tmp_path / "q.wav", silence(0.2))
        for request in (
            {"cmd": "listen", "wav": str(wav)},
            {"cmd": "listen", "wav": str(tmp_path / "none.wav")},
            {"cmd": "listen"},
        ):
            writer.write(json.dumps(request).encode() + b"\n")
        replies = [json.loads(await asyncio.wait_for(reader.readline(), TIMEOUT)) for _ in range(3)]
        assert replies[0] == {"ok": True, "cmd": "listen", "hold_s": 0.55}
        assert not replies[1]["ok"] and "cannot read" in replies[1]["error"]
        assert not replies[2]["ok"] and "needs a WAV" in replies[2]["error"]
        press = await asyncio.wait_for(inputs.get(), TIMEOUT)
        release = await asyncio.wait_for(inputs.get(), TIMEOUT)
        assert (press.button, press.action, release.action) == ("r", Action.PRESS, Action.RELEASE)
        assert release.at - press.at >= 0.5
        assert len(told) == 1
    finally:
        writer.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
