"""The simulated vest as a bench target: the whole app in the test's loop, as CI runs it.

Nothing of the vest is mocked: espeak-ng writes real WAV files, gpiozero's MockFactory holds the
pins, the real small Gemma model runs in its worker process, MediaPipe looks at real photos.
The bench's instruments read what a wire would carry: the motor pin's level history, the
speech files (played in real time), the journal over the control socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import time
from pathlib import Path
from typing import Any

from tests.conftest import TIMEOUT, event
from tests.hil.audio_check import analyse_wav
from tests.hil.haptic_trace import Pulse, pulses_from_levels
from tests.hil.sim_pad import SimulatedPad
from tests.hil.target import BenchClient, HeardSound, PowerOn, StartHook, VestClock, VestTarget
from tests.integration.vest import START_TIMEOUT, Overrides, write_config
from vestsight.app import VestApp
from vestsight.config_loader import load_settings
from vestsight.inputs.pad_access import EvdevAccess
from vestsight.inputs.pad_presets import PRESETS
from vestsight.journal import Record

_LOGGER = logging.getLogger(__name__)

UNPLUGGED = b"not a photo: the camera cable is out"


def sim_overrides(scene: Path) -> Overrides:
    """The bench's simulated vest: the pad comes from the bench, the camera sees `scene`."""
    return {
        "gamepad": {"backend": "none"},
        "camera": {"photos": str(scene), "width": 640, "height": 480},
        "speech": {"rate": 300},
        "llm": {"heartbeat_s": 30.0, "max_answer_tokens": 48},
    }


class SimTarget(VestTarget):
    name = "sim"

    def __init__(self, folder: Path, first_scene: Path) -> None:
        self._folder = folder
        self._scene = folder / "scene-in-view"
        self._shown = first_scene
        self._starts = 0
        self.app: VestApp | None = None
        self._task: asyncio.Task[None] | None = None
        self._pad: SimulatedPad | None = None
        self._write_scene(first_scene.read_bytes())

    async def power_on(self, hook: StartHook | None = None) -> PowerOn:
        await self.close()
        self._starts += 1
        folder = self._folder / f"start-{self._starts}"
        folder.mkdir(parents=True)
        loaded = load_settings(write_config(folder, sim_overrides(self._scene)))
        assert not loaded.problems, loaded.problems
        started = time.monotonic()
        app = VestApp(loaded)
        records: list[Record] = []
        async with app.journal.subscribe() as early:
            self._task = asyncio.create_task(app.run(), name=f"sim-vest-{self._starts}")
            self.app = app
            while not records or records[-1]["event"] != "vest.ready":
                records.append(await asyncio.wait_for(early.get(), START_TIMEOUT))
                if hook is not None:
                    await hook(records[-1])
            await asyncio.wait_for(app.control_socket.ready.wait(), TIMEOUT)
            reader, writer = await asyncio.open_unix_connection(str(app.control_socket.path))
            self.client = BenchClient(reader, writer, VestClock(same_clock=True))
            assert (await self.client.request(cmd="subscribe"))["ok"]
            while not early.empty():
                records.append(early.get_nowait())
        self.client.seed(records)
        await self._connect_pad(app)
        return PowerOn(started, _ready(records), records)

    async def _connect_pad(self, app: VestApp) -> None:
        pad = SimulatedPad(PRESETS[app.settings.gamepad.preset].evdev)
        access = EvdevAccess(pad.bus.list_devices, pad.bus.open_device, backoff=(0.05, 0.1))
        service = _evdev_gamepad(app, access)
        await self.client.until_status(lambda s: not s["speaking"])  # "ready" heard out
        since = time.monotonic()
        pad.plug()
        app.supervisor.start(service)
        await self.client.expect(event("controller.connected"), since)
        self._pad = pad
        await self.client.until_status(lambda s: not s["speaking"])
        await self.motor_idle()  # "Controller connected." is not part of the next scenario

    async def close(self) -> None:
        app, task, self.app, self._task = self.app, self._task, None, None
        if app is None or task is None:
            return
        with contextlib.suppress(AttributeError):
            await self.client.close()
        app.request_stop()
        await asyncio.wait_for(task, TIMEOUT)

    def _app(self) -> VestApp:
        assert self.app is not None, "power_on() first"
        return self.app

    async def press(self, button: str, source: str) -> float:
        return await self._set(button, source, True)

    async def release(self, button: str, source: str) -> float:
        return await self._set(button, source, False)

    async def _set(self, button: str, source: str, pressed: bool) -> float:
        before = time.monotonic()
        if source == "gamepad":
            assert self._pad is not None
            self._pad.set(button, pressed)
        else:  # a vest button: its mock pin is driven, gpiozero sees the edge
            cmd = "press" if pressed else "release"
            reply = await self.client.request(cmd=cmd, button=button, source=source)
            assert reply["ok"], reply
        return before

    def motor_pulses(self, since: float) -> list[Pulse]:
        device = self._app().haptics.device
        assert device is not None, "the motor is not running"
        pin: Any = device.pin
        # gpiozero's mock pin keeps (seconds since the previous change, level) per change and
        # the time of the last change: walk back from it to absolute times.
        at, levels = pin._last_change, []
        for state in reversed(pin.states):
            levels.append((at, float(state.state)))
            at -= state.timestamp
        levels.reverse()
        return [p for p in pulses_from_levels(levels, time.monotonic()) if p.end >= since]

    async def sounds(self, since: float, until: float) -> list[HeardSound]:
        folder = self._app().run_dir / "speech"
        heard = []
        for record in self.client.history:
            if record["event"] != "speech.start" or not since <= record["mono"] <= until:
                continue
            path = folder / f"{record['label']}.wav"
            try:
                summary = await asyncio.to_thread(analyse_wav, path)
            except (OSError, EOFError, ValueError) as err:  # cut before it was written
                _LOGGER.info("No audio for %r: %s", record["text"], err)
                continue
            heard += [
                HeardSound(
                    record["mono"] + s.start, record["mono"] + s.end, s.rms_dbfs, record["text"]
                )
                for s in summary.sounds
            ]
        return heard

    async def pad_off(self) -> float:
        assert self._pad is not None
        before = time.monotonic()
        self._pad.sleep()
        return before

    async def pad_on(self) -> float:
        assert self._pad is not None
        before = time.monotonic()
        self._pad.plug()
        return before

    async def signal_worker(self, signal_number: int, pid: int | None = None) -> int:
        pid = pid or (await self.client.status())["llm_pid"]
        assert pid, "no model worker running"
        os.kill(pid, signal_number)
        return int(pid)

    async def unplug_camera(self) -> float:
        before = time.monotonic()
        self._write_scene(UNPLUGGED)
        return before

    async def replug_camera(self) -> float:
        before = time.monotonic()
        self._write_scene(await asyncio.to_thread(self._shown.read_bytes))
        return before

    async def show_scene(self, photo: Path) -> None:
        self._shown = photo
        self._write_scene(await asyncio.to_thread(photo.read_bytes))

    def _write_scene(self, data: bytes) -> None:
        """Swap the picture in one step: the camera thread never reads half a file."""
        partial = self._scene.with_suffix(".partial")
        partial.write_bytes(data)
        os.replace(partial, self._scene)


def _ready(records: list[Record]) -> Record:
    return next(r for r in records if r["event"] == "vest.ready")


def _evdev_gamepad(app: VestApp, access: EvdevAccess) -> Any:
    """The vest's own evdev gamepad service, reading the simulated pad's device bus."""
    return app.make_gamepad(dataclasses.replace(app.settings.gamepad, backend="evdev"), access)
