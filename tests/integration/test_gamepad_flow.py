"""A paired pad through evdev, end to end: it connects (heard, felt), its presses run commands,
and when it sleeps the wearer hears it go. The pad is a fake /dev/input; the events are
python-evdev's own."""

from __future__ import annotations

import time
from pathlib import Path

from evdev import ecodes

from tests.conftest import event
from tests.integration.vest import running_vest
from tests.unit.test_evdev_pad import FakeBus, key, syn
from vestsight.inputs.evdev_pad import EvdevGamepad

PAD = "/dev/input/event7"


async def test_a_paired_pad_connects_runs_commands_and_sleeps(tmp_path: Path) -> None:
    async with running_vest(tmp_path, {"gamepad": {"backend": "none"}}) as (app, client, _):
        assert not any(isinstance(s, EvdevGamepad) for s in app.wearer_facing)
        bus = FakeBus()
        pad = app.make_evdev_gamepad(list_devices=bus.list_devices, open_device=bus.open_device)
        t = time.monotonic()
        bus.plug(PAD, "8BitDo Micro gamepad", uniq="e4:17:d8:aa:bb:cc")
        app.supervisor.start(pad)
        await client.expect(event("haptic", pattern="connected"), t)
        await client.expect(event("speech.queued", text="Controller connected."), t)

        t = time.monotonic()
        device = bus.live(PAD)
        for item in (key(ecodes.BTN_START, 1), syn(), key(ecodes.BTN_START, 0), syn()):
            device.reads.put_nowait(item)
        await client.expect(event("command.done", command="status"), t)

        t = time.monotonic()
        bus.sleep(PAD)
        await client.expect(event("haptic", pattern="disconnected"), t)
        assert "Controller disconnected." in await client.said(t, "system")
