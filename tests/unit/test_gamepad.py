"""`make_gamepad`: the configured backend with the configured preset, reached as it is told."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from evdev import ecodes

from tests.ble_fakes import Air
from tests.conftest import TIMEOUT
from tests.unit.test_evdev_pad import FakeBus, key, syn
from vestsight.aio import cancel_and_wait
from vestsight.gamepad import make_gamepad
from vestsight.inputs.ble_pad import BlePad
from vestsight.inputs.evdev_pad import EvdevGamepad
from vestsight.inputs.events import PadCallbacks
from vestsight.inputs.pad_access import BleAccess, EvdevAccess
from vestsight.settings import GamepadSettings


class Origins:
    """A `PadFeedback.callbacks` stand-in: notes the origin each service asked for, and what the
    service then told."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.told: asyncio.Queue[tuple[object, ...]] = asyncio.Queue()

    def __call__(self, origin: str) -> PadCallbacks:
        self.asked.append(origin)
        return PadCallbacks(
            submit=lambda button, pressed: self.told.put_nowait((button, pressed)),
            connected=lambda name: self.told.put_nowait(("connected", name)),
        )

    async def next(self) -> tuple[object, ...]:
        return await asyncio.wait_for(self.told.get(), TIMEOUT)


async def test_evdev_gets_its_preset_its_origin_and_the_access_given() -> None:
    bus, origins = FakeBus(), Origins()
    bus.plug("/dev/input/event3", "8BitDo Micro gamepad")
    settings = GamepadSettings(backend="evdev", preset="8bitdo-micro-keyboard")
    pad = make_gamepad(settings, origins, EvdevAccess(bus.list_devices, bus.open_device))
    assert isinstance(pad, EvdevGamepad)
    assert origins.asked == ["evdev"]
    task = asyncio.create_task(pad.run())
    try:
        assert await origins.next() == ("connected", "8BitDo Micro gamepad")
        for event in (key(ecodes.KEY_G, 1), syn()):  # A in the Micro's keyboard mode
            bus.live("/dev/input/event3").reads.put_nowait(event)
        assert await origins.next() == ("a", True)
    finally:
        await cancel_and_wait([task])


async def test_with_no_names_and_no_addresses_the_presets_pad_is_looked_for(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus, origins = FakeBus(), Origins()
    bus.plug("/dev/input/event1", "Keyboard")
    bus.plug("/dev/input/event2", "Xbox Wireless Controller")
    settings = GamepadSettings(backend="evdev", preset="xbox-wireless", names="", addresses="")
    pad = make_gamepad(settings, origins, EvdevAccess(bus.list_devices, bus.open_device))
    assert isinstance(pad, EvdevGamepad)
    assert "looking for 'Xbox Wireless Controller'" in caplog.text
    task = asyncio.create_task(pad.run())
    try:
        assert await origins.next() == ("connected", "Xbox Wireless Controller")
    finally:
        await cancel_and_wait([task])


def test_ble_gets_its_origin_and_none_makes_nothing() -> None:
    origins = Origins()
    scanner, client = Air().backends()
    settings = GamepadSettings(backend="ble", preset="xbox-wireless", names="Xbox")
    assert isinstance(make_gamepad(settings, origins, BleAccess(scanner, client)), BlePad)
    assert isinstance(make_gamepad(settings, origins), BlePad)  # bleak's own backends, not run
    assert origins.asked == ["ble", "ble"]
    assert make_gamepad(dataclasses.replace(settings, backend="none"), origins) is None
    assert origins.asked == ["ble", "ble"]


def test_an_access_for_the_other_backend_is_refused() -> None:
    with pytest.raises(TypeError, match="EvdevAccess"):
        make_gamepad(GamepadSettings(backend="ble"), Origins(), EvdevAccess())
    with pytest.raises(TypeError, match="BleAccess"):
        make_gamepad(GamepadSettings(backend="evdev"), Origins(), BleAccess())
