"""A real vest on the bench as a target: its control socket over the link, the jig's wires.

Presses of the vest's buttons are the jig's optocouplers; gamepad presses come from the
emulated BLE pad (or, without one, are injected through the control socket); the motor is the
jig's input on the motor line; sound is the speaker line recorded by the bench. A scenario whose
stimulus the bench has not been given (no camera switch, no screen) is skipped with the reason.
The bench holds the vest's lock file for the whole session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TIMEOUT
from tests.hil.audio_capture import AudioCapture
from tests.hil.bench_lock import bench_lock, default_lock_path
from tests.hil.bench_settings import BenchNotConfigured, BenchSettings, from_environment
from tests.hil.haptic_trace import Pulse
from tests.hil.jig import BenchJig
from tests.hil.links import open_link
from tests.hil.report import BenchReport
from tests.hil.target import BenchClient, HeardSound, PowerOn, StartHook, VestClock, VestTarget
from tests.integration.vest import START_TIMEOUT
from vestsight.journal import Record

_LOGGER = logging.getLogger(__name__)

POWER_OFF_S = 3.0
"""The vest's supply stays off this long on a power cycle (its capacitors drain)."""


class PiTarget(VestTarget):
    name = "pi"

    def __init__(self, settings: BenchSettings, jig: BenchJig, audio: AudioCapture) -> None:
        self._settings = settings
        self._jig = jig
        self._audio = audio
        self._pad: Any = None
        self._link: contextlib.AbstractAsyncContextManager[Any] | None = None

    async def open_pad(self) -> None:
        if self._settings.pad.startswith("bumble:"):
            from tests.hil.bumble_pad import BumblePad

            self._pad = BumblePad(self._settings.pad.removeprefix("bumble:"))
            await self._pad.open()

    async def connect(self) -> None:
        """(Re)open the link and subscribe to the journal (the bridge waits for the socket)."""
        await self._close_link()
        link = open_link(self._settings)
        reader, writer = await link.__aenter__()
        self._link = link
        self.client = BenchClient(reader, writer, VestClock(same_clock=False))
        await asyncio.wait_for(self.client.sync_clock(), START_TIMEOUT)
        reply = await asyncio.wait_for(self.client.request(cmd="subscribe"), START_TIMEOUT)
        assert reply["ok"], reply

    async def _close_link(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            with contextlib.suppress(AttributeError, ConnectionError):
                await self.client.close()
            await link.__aexit__(None, None, None)

    async def power_on(self, hook: StartHook | None = None) -> PowerOn:
        await self._close_link()
        command = self._settings.restart_command()
        if command is None and self._jig.has_power_line:
            self._jig.set_power(False)
            await asyncio.sleep(POWER_OFF_S)  # a physical off time, not a wait for an event
            started = self._jig.set_power(True)
        elif command is not None:
            started = time.monotonic()
            await _run(command)
        else:
            pytest.skip("no way to restart the vest: set VESTSIGHT_HIL_POWER_ON or the power line")
        for _attempt in range(3):  # the link may first reach the vest that is stopping
            await self.connect()
            records = await self._startup(hook)
            if records is not None:
                return PowerOn(started, records[-1], records)
        raise AssertionError("the vest did not come back after its restart")

    async def _startup(self, hook: StartHook | None) -> list[Record] | None:
        """Records until "ready" (None if the link closed first), each given to `hook`."""
        records: list[Record] = []
        client = self.client
        while not records or records[-1]["event"] != "vest.ready":
            seen = len(records)
            more = asyncio.create_task(
                client.expect(
                    lambda _r, seen=seen: len(client.history) > seen, within=START_TIMEOUT
                )
            )
            await asyncio.wait({more, client._pump}, return_when=asyncio.FIRST_COMPLETED)
            if not more.done():
                more.cancel()
                await asyncio.gather(more, return_exceptions=True)
                return None
            more.result()
            for record in client.history[seen:]:
                records.append(record)
                if hook is not None:
                    await hook(record)
                if record["event"] == "vest.ready":
                    break
        return records

    async def close(self) -> None:
        await self._close_link()
        if self._pad is not None:
            await self._pad.close()

    async def press(self, button: str, source: str) -> float:
        return await self._set(button, source, True)

    async def release(self, button: str, source: str) -> float:
        return await self._set(button, source, False)

    async def _set(self, button: str, source: str, pressed: bool) -> float:
        if source == "gpio":
            return self._jig.set_button(button, pressed)
        if self._pad is not None:
            return float(await self._pad.set(button, pressed))
        before = time.monotonic()  # no emulated pad: injected through the control socket
        reply = await self.client.request(
            cmd="press" if pressed else "release", button=button, source="gamepad"
        )
        assert reply["ok"], reply
        return before

    def motor_pulses(self, since: float) -> list[Pulse]:
        return self._jig.motor_pulses(since)

    async def sounds(self, since: float, until: float) -> list[HeardSound]:
        return await self._audio.sounds(since, until)

    async def sound_cut(self, pressed: float, utterance: Record) -> float | None:
        """The end of the sound playing when the press came, as the bench heard it."""
        await super().sound_cut(pressed, utterance)
        heard = await self.sounds(utterance["mono"], time.monotonic())
        playing = [s for s in heard if s.start <= pressed <= s.end + 0.35]
        return playing[-1].end if playing else None

    async def pad_off(self) -> float:
        if self._pad is None:
            pytest.skip(
                "the controller scenario needs the emulated pad: VESTSIGHT_HIL_PAD=bumble:usb:0"
            )
        return float(await self._pad.power_off())

    async def pad_on(self) -> float:
        if self._pad is None:
            pytest.skip("the controller scenario needs the emulated pad")
        return float(await self._pad.power_on())

    async def signal_worker(self, signal_number: int, pid: int | None = None) -> int:
        pid = pid or (await self.client.status())["llm_pid"]
        assert pid, "no model worker running"
        name = signal.Signals(signal_number).name.removeprefix("SIG")
        command = self._settings.vest_command(f"sudo -n kill -{name} {pid}")
        if command is None:
            pytest.skip("signals to the worker need a shell on the vest (VESTSIGHT_HIL_VEST_SHELL)")
        await _run(command)
        return int(pid)

    async def unplug_camera(self) -> float:
        return await self._camera(self._settings.camera_off, "VESTSIGHT_HIL_CAMERA_OFF")

    async def replug_camera(self) -> float:
        return await self._camera(self._settings.camera_on, "VESTSIGHT_HIL_CAMERA_ON")

    async def _camera(self, action: str, variable: str) -> float:
        command = self._settings.vest_command(action) if action else None
        if command is None:
            pytest.skip(f"set {variable} to a vest command that switches the camera (BENCH.md)")
        before = time.monotonic()
        await _run(command)
        return before

    async def show_scene(self, photo: Path) -> None:
        if not self._settings.scene:
            pytest.skip("set VESTSIGHT_HIL_SCENE to a command showing {photo} to the camera")
        await _run(["sh", "-c", self._settings.scene.replace("{photo}", str(photo))])


async def _run(argv: list[str]) -> None:
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    if process.returncode != 0:
        raise AssertionError(f"{argv} failed ({process.returncode}): {(err or out).decode()}")


@contextlib.asynccontextmanager
async def pi_target(report: BenchReport) -> AsyncIterator[PiTarget]:
    """The bench's vest for a session: configured, locked, connected; skipped if not set up."""
    try:
        settings = from_environment()
    except BenchNotConfigured as err:
        pytest.skip(f"real target not configured: {err}")
    report.context.update({"target": "real vest", "bench": dict(settings.env)})
    lock_path = Path(settings.lock) if settings.lock else default_lock_path(settings.host)
    with bench_lock(lock_path, f"tests/hil against {settings.link}"):
        jig = BenchJig(settings.pins)
        audio = AudioCapture(settings.audio_device, report.folder / "speaker.raw")
        target = PiTarget(settings, jig, audio)
        try:
            await audio.open()
            await target.open_pad()
            await target.connect()
            yield target
        finally:
            await target.close()
            await audio.close()
            jig.close()
