"""`make bench-controls`: press -> haptic ack from each kind of pad, on the simulated vest.

Three ways a press reaches the vest, measured in one run on one vest (no model, WAV speech):
- bare: an input event put straight into the vest's input queue (the floor: controller + motor);
- evdev: a key event read from a (fake) /dev/input device by the evdev pad service;
- BLE: an input report notified by a virtual pad through bleak's client, decoded from the real
  Xbox report map by the BLE pad service.
The time is from the press (the event or notification handed over) to the journal's ``haptic``
record of the ack, which is written as the motor's PWM pin is set; the pin is checked to be on.
Each pad's median is printed with its ratio to the bare path's. Numbers, not pass/fail.
"""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

from evdev import ecodes
from gpiozero.pins.mock import MockFactory

from tests.ble_fakes import Air, VirtualPad
from tests.integration.vest import VestClient, running_vest
from tests.unit.test_evdev_pad import FakeBus, key, syn
from tests.unit.test_hid import load, xbox_report
from vestsight.app import VestApp
from vestsight.inputs.events import Action, InputEvent, Source
from vestsight.inputs.pad_access import BleAccess, EvdevAccess
from vestsight.inputs.pad_presets import XBOX_WIRELESS

PRESSES = 40
BUTTON = "r"  # "continue": cheap, says "nothing more to read", has no long-press command
XBOX_R = 1 << (dict((n, b) for b, n in XBOX_WIRELESS.hid.buttons)[BUTTON] - 1)


def stats(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    median = statistics.median(ordered)
    return f"median {median:6.2f} ms   p90 {p90:6.2f} ms   max {ordered[-1]:6.2f} ms"


async def measure(app: VestApp, client: VestClient, press: object, release: object) -> list[float]:
    """Milliseconds from each `press()` to the ack's haptic record, motor pin checked."""
    factory = app.haptics.device.pin_factory if app.haptics.device else None
    assert isinstance(factory, MockFactory), "the bench runs on gpiozero's MockFactory"
    pin = factory.pin(app.settings.gpio.motor_pin)
    times = []
    for _ in range(PRESSES):
        t = time.monotonic()
        press()  # type: ignore[operator]
        ack = await client.expect(lambda r: r["event"] == "haptic" and r["pattern"] == "ack", t)
        assert pin.state > 0, "the ack record came without the motor on"
        times.append((ack["mono"] - t) * 1000)
        release()  # type: ignore[operator]
        await client.expect(lambda r: r["event"] == "command.done", t)
        await client.expect(lambda r: r["event"] == "haptic.end", t)
    return times


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        overrides = {"llm": {"enabled": False}, "gamepad": {"backend": "none"}}
        async with running_vest(Path(folder), overrides) as (app, client, _):

            def submit(action: Action) -> None:
                app.inputs.submit(InputEvent(Source.GAMEPAD, BUTTON, action, origin="bench"))

            bare = await measure(
                app, client, lambda: submit(Action.PRESS), lambda: submit(Action.RELEASE)
            )

            bus = FakeBus()
            bus.plug("/dev/input/event7", "8BitDo Micro gamepad", "e4:17:d8:aa:bb:cc")
            evdev_settings = dataclasses.replace(app.settings.gamepad, backend="evdev")
            evdev_pad = app.make_gamepad(
                evdev_settings, EvdevAccess(bus.list_devices, bus.open_device)
            )
            assert evdev_pad is not None
            t = time.monotonic()
            app.supervisor.start(evdev_pad)
            await client.expect(lambda r: r["event"] == "controller.connected", t)
            device = bus.live("/dev/input/event7")

            def evdev_edge(value: int) -> None:
                device.reads.put_nowait(key(ecodes.BTN_TR, value))
                device.reads.put_nowait(syn())

            evdev = await measure(app, client, lambda: evdev_edge(1), lambda: evdev_edge(0))
            bus.sleep("/dev/input/event7")

            air = Air()
            xbox = air.add(VirtualPad("C8:3F:26:00:00:01", "Xbox Wireless Controller", XBOX_MAP))
            scanner, radio = air.backends()
            ble_settings = dataclasses.replace(
                app.settings.gamepad, backend="ble", preset="xbox-wireless", names="Xbox"
            )
            ble_pad = app.make_gamepad(ble_settings, BleAccess(scanner, radio, scan_s=0.5))
            assert ble_pad is not None
            t = time.monotonic()
            app.supervisor.start(ble_pad)
            await client.expect(lambda r: r["event"] == "controller.connected", t)
            ble = await measure(
                app,
                client,
                lambda: xbox.press(1, xbox_report(buttons=XBOX_R)),
                lambda: xbox.press(1, xbox_report()),
            )

    print(f"Press -> haptic ack, {PRESSES} presses each, simulated vest (MockFactory motor pin)")
    floor = statistics.median(bare)
    print(f"  bare (input queue) {stats(bare)}")
    for name, times in (("evdev pad         ", evdev), ("BLE pad (bleak)   ", ble)):
        ratio = statistics.median(times) / floor
        print(f"  {name} {stats(times)}   {ratio:5.2f}x bare")


XBOX_MAP = load("xbox_series_ble_fw5.hex")

if __name__ == "__main__":
    asyncio.run(main())
