"""Gamepads end to end, in the whole simulated vest: a pad connects (heard, felt), its presses run
commands, and when it sleeps the wearer hears it go; a pad missing, refused or unusable is never
silent, and "status" names the controller's state.

The Classic pad is a fake /dev/input with python-evdev's own events; the BLE pad is a virtual pad
under bleak's own client and scanner (tests/ble_fakes.py) with a real Xbox report map.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from evdev import ecodes

from tests.ble_fakes import Air, VirtualPad
from tests.conftest import event
from tests.integration.vest import running_vest
from tests.unit.test_evdev_pad import FakeBus, key, syn
from tests.unit.test_hid import load, xbox_report
from vestsight.inputs.ble_pad import BlePad
from vestsight.inputs.evdev_pad import EvdevGamepad
from vestsight.inputs.pad_access import BleAccess, EvdevAccess

PAD = "/dev/input/event7"
XBOX = "C8:3F:26:00:00:01"
START_BUTTON = 1 << 11  # HID button 12 is Menu (start) on the Xbox pad


async def test_a_paired_pad_connects_runs_commands_and_sleeps(tmp_path: Path) -> None:
    async with running_vest(tmp_path, {"gamepad": {"backend": "none"}}) as (app, client, _):
        assert app.gamepad is None
        assert not any(isinstance(s, EvdevGamepad) for s in app.wearer_facing)
        bus = FakeBus()
        evdev = dataclasses.replace(app.settings.gamepad, backend="evdev")
        pad = app.make_gamepad(evdev, EvdevAccess(bus.list_devices, bus.open_device))
        assert isinstance(pad, EvdevGamepad)
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
        assert "Controller connected." in await client.said(t, "command")

        t = time.monotonic()
        bus.sleep(PAD)
        await client.expect(event("haptic", pattern="disconnected"), t)
        assert "Controller disconnected." in await client.said(t, "system")


async def test_no_pad_at_start_is_said_after_ready_and_status_names_it(tmp_path: Path) -> None:
    # This machine has no pad in /dev/input: the evdev backend (the image's) finds none.
    async with running_vest(tmp_path, {"gamepad": {"backend": "evdev"}}) as (app, client, startup):
        assert isinstance(app.gamepad, EvdevGamepad)
        names = [r["event"] for r in startup]
        assert names.index("controller.missing") < names.index("vest.ready")
        said = [r["text"] for r in startup if r["event"] == "speech.queued"]
        # Said right after "ready" (startup notes), whichever record the client saw first.
        missing = "No controller connected; the vest buttons work."
        if missing not in said:
            await client.expect(event("speech.queued", text=missing))
        else:
            ready = next(i for i, text in enumerate(said) if text.startswith("Vestsight ready"))
            assert said.index(missing) > ready
        t = time.monotonic()
        await client.tap("main", source="gpio")  # the vest's own button still works
        await client.expect(event("command.start", command="describe"), t)
        t = time.monotonic()
        await client.request(cmd="status")
        status = (await client.request(cmd="status"))["status"]
        assert status["controller"] == {"connected": False, "battery": None}
        await client.tap("start", source="gamepad")
        await client.expect(event("command.done", command="status"), t)
        assert "Controller not connected." in await client.said(t, "command")


async def test_ble_pad_end_to_end_refused_stranger_then_allowed_pad(tmp_path: Path) -> None:
    air = Air()
    stranger = air.add(VirtualPad("11:22:33:44:55:66", "Xbox Wireless Controller", MAP))
    async with running_vest(tmp_path, {"gamepad": {"backend": "none"}}) as (app, client, _):
        ble = dataclasses.replace(
            app.settings.gamepad,
            backend="ble",
            preset="xbox-wireless",
            names="Xbox",
            addresses=XBOX,
        )
        scanner, radio = air.backends()
        pad = app.make_gamepad(ble, BleAccess(scanner, radio, scan_s=0.2))
        assert isinstance(pad, BlePad)
        t = time.monotonic()
        app.supervisor.start(pad)
        await client.expect(event("controller.refused", address="11:22:33:44:55:66"), t)
        await client.expect(event("haptic", pattern="error"), t)
        await client.expect(
            event("speech.queued", text="A controller that is not on the allowed list was refused.")
        )
        assert stranger.connections == 0

        t = time.monotonic()
        xbox = air.add(VirtualPad(XBOX, "Xbox Wireless Controller", MAP, battery=12))
        await client.expect(event("speech.queued", text="Controller connected."), t)
        await client.expect(event("controller.battery", percent=12), t)
        await client.expect(event("speech.queued", text="Controller battery low: 12 percent."), t)
        assert xbox.bonded

        t = time.monotonic()
        xbox.press(1, xbox_report(buttons=START_BUTTON))
        xbox.press(1, xbox_report())
        await client.expect(event("input", button="start", action="press", origin="ble"), t)
        await client.expect(event("command.done", command="status"), t)
        assert "Controller connected, battery 12 percent." in await client.said(t, "command")

        t = time.monotonic()
        xbox.drop_link()
        await client.expect(event("haptic", pattern="disconnected"), t)
        assert "Controller disconnected." in await client.said(t, "system")


MAP = load("xbox_series_ble_fw5.hex")
