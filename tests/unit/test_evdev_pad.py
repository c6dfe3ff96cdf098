"""The evdev gamepad: decoding real `evdev.InputEvent`s, and the service against a fake device bus.

The fake devices behave like `evdev.InputDevice` (name, path, phys, uniq, `async_read_loop()`,
`grab()`, `close()`); a pad going to sleep is its read raising ENODEV and its node disappearing.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

evdev = pytest.importorskip("evdev")
from evdev import InputEvent, ecodes  # noqa: E402

from vestsight.inputs import evdev_decoder, evdev_maps, pad_access  # noqa: E402
from vestsight.inputs.evdev_decoder import EvdevDecoder  # noqa: E402
from vestsight.inputs.evdev_maps import DpadAxis, EvdevMap  # noqa: E402
from vestsight.inputs.evdev_pad import EvdevGamepad  # noqa: E402
from vestsight.inputs.events import PadCallbacks  # noqa: E402
from vestsight.inputs.pad_access import EvdevAccess  # noqa: E402
from vestsight.inputs.pad_presets import GENERIC, MICRO_DINPUT, MICRO_KEYBOARD  # noqa: E402
from vestsight.names import GAMEPAD_BUTTONS  # noqa: E402

WITHIN = 10.0
MICRO = "8BitDo Micro gamepad"
MICRO_ADDRESS = "e4:17:d8:16:b3:33"


def key(code: int, value: int) -> InputEvent:
    return InputEvent(0, 0, ecodes.EV_KEY, code, value)


def absolute(code: int, value: int) -> InputEvent:
    return InputEvent(0, 0, ecodes.EV_ABS, code, value)


def syn() -> InputEvent:
    return InputEvent(0, 0, ecodes.EV_SYN, ecodes.SYN_REPORT, 0)


def scan(value: int) -> InputEvent:
    return InputEvent(0, 0, ecodes.EV_MSC, ecodes.MSC_SCAN, value)


def decode(mapping: EvdevMap, events: list[InputEvent]) -> list[tuple[str, bool]]:
    decoder = EvdevDecoder(mapping)
    return [edge for event in events for edge in decoder.feed(event)]


# --- constants and presets ---------------------------------------------------------------------


def test_local_constants_match_python_evdev() -> None:
    names = [n for n in dir(evdev_maps) if n.split("_")[0] in {"EV", "ABS", "BTN", "KEY"}]
    assert len(names) > 30
    for name in names:
        assert getattr(evdev_maps, name) == getattr(ecodes, name), name


def test_presets_only_name_vest_buttons() -> None:
    for preset in (MICRO_DINPUT.evdev, MICRO_KEYBOARD.evdev, GENERIC.evdev):
        names = set(preset.keys.values())
        names |= {n for axis in preset.axes for n in (axis.negative, axis.positive)}
        assert names == set(GAMEPAD_BUTTONS), preset.name


def test_a_map_refuses_unknown_buttons_and_is_read_only() -> None:
    with pytest.raises(ValueError, match="home"):
        EvdevMap("bad", {ecodes.BTN_MODE: "home"})
    with pytest.raises(ValueError, match="threshold"):
        EvdevMap("bad", {}, (DpadAxis(ecodes.ABS_X, "left", "right", 127, 0),))
    with pytest.raises(TypeError):
        GENERIC.evdev.keys[ecodes.BTN_MODE] = "a"


# --- decoding ----------------------------------------------------------------------------------


def test_micro_dinput_face_shoulder_and_menu_buttons() -> None:
    codes = [
        (ecodes.BTN_SOUTH, "a"),  # printed A (right-hand face button)
        (ecodes.BTN_EAST, "b"),
        (ecodes.BTN_NORTH, "x"),
        (ecodes.BTN_WEST, "y"),
        (ecodes.BTN_TL, "l"),
        (ecodes.BTN_TR, "r"),
        (ecodes.BTN_TL2, "l2"),
        (ecodes.BTN_TR2, "r2"),
        (ecodes.BTN_SELECT, "select"),
        (ecodes.BTN_START, "start"),
    ]
    for code, name in codes:
        events = [scan(0x90001), key(code, 1), syn(), scan(0x90001), key(code, 0), syn()]
        assert decode(MICRO_DINPUT.evdev, events) == [(name, True), (name, False)]


def test_micro_dinput_dpad_on_abs_x_and_y() -> None:
    events = [
        absolute(ecodes.ABS_X, 127),  # centre: nothing
        absolute(ecodes.ABS_X, 0),
        syn(),
        absolute(ecodes.ABS_X, 127),
        syn(),
        absolute(ecodes.ABS_Y, 255),
        absolute(ecodes.ABS_Y, 0),  # straight from down to up
        absolute(ecodes.ABS_Y, 127),
        absolute(ecodes.ABS_X, 255),
        absolute(ecodes.ABS_X, 128),
    ]
    assert decode(MICRO_DINPUT.evdev, events) == [
        ("left", True),
        ("left", False),
        ("down", True),
        ("down", False),
        ("up", True),
        ("up", False),
        ("right", True),
        ("right", False),
    ]


def test_hat_dpad_and_diagonals() -> None:
    events = [
        absolute(ecodes.ABS_HAT0X, -1),
        absolute(ecodes.ABS_HAT0Y, -1),  # up-left: both held
        syn(),
        absolute(ecodes.ABS_HAT0X, 0),
        absolute(ecodes.ABS_HAT0Y, 1),
        absolute(ecodes.ABS_HAT0Y, 0),
    ]
    assert decode(GENERIC.evdev, events) == [
        ("left", True),
        ("up", True),
        ("left", False),
        ("up", False),
        ("down", True),
        ("down", False),
    ]


def test_generic_gamepad_dpad_buttons_and_positions() -> None:
    events = [
        key(ecodes.BTN_DPAD_UP, 1),
        key(ecodes.BTN_DPAD_UP, 0),
        key(ecodes.BTN_SOUTH, 1),
        key(ecodes.BTN_WEST, 1),
        key(ecodes.BTN_SOUTH, 0),
        key(ecodes.BTN_WEST, 0),
    ]
    assert decode(GENERIC.evdev, events) == [
        ("up", True),
        ("up", False),
        ("a", True),
        ("y", True),
        ("a", False),
        ("y", False),
    ]


def test_two_codes_for_one_button_hold_it_until_both_let_go() -> None:
    events = [
        absolute(ecodes.ABS_HAT0Y, -1),
        key(ecodes.BTN_DPAD_UP, 1),
        absolute(ecodes.ABS_HAT0Y, 0),
        key(ecodes.BTN_DPAD_UP, 0),
    ]
    assert decode(GENERIC.evdev, events) == [("up", True), ("up", False)]


def test_micro_keyboard_mode() -> None:
    presses = {
        ecodes.KEY_C: "up",
        ecodes.KEY_D: "down",
        ecodes.KEY_E: "left",
        ecodes.KEY_F: "right",
        ecodes.KEY_G: "a",
        ecodes.KEY_J: "b",
        ecodes.KEY_H: "x",
        ecodes.KEY_I: "y",
        ecodes.KEY_K: "l",
        ecodes.KEY_M: "r",
        ecodes.KEY_L: "l2",
        ecodes.KEY_R: "r2",
        ecodes.KEY_N: "select",
        ecodes.KEY_O: "start",
    }
    for code, name in presses.items():
        events = [scan(0x70008), key(code, 1), syn(), key(code, 0), syn()]
        assert decode(MICRO_KEYBOARD.evdev, events) == [(name, True), (name, False)]


def test_autorepeat_is_ignored() -> None:
    events = [
        key(ecodes.KEY_G, 1),
        key(ecodes.KEY_G, 2),
        key(ecodes.KEY_G, 2),
        key(ecodes.KEY_G, 0),
    ]
    assert decode(MICRO_KEYBOARD.evdev, events) == [("a", True), ("a", False)]


def test_garbage_and_unknown_codes_never_raise(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=evdev_decoder.__name__)
    decoder = EvdevDecoder(MICRO_DINPUT.evdev)
    odd = [
        key(ecodes.BTN_SOUTH, 0),  # release without a press
        key(ecodes.BTN_SOUTH, 7),
        key(ecodes.BTN_SOUTH, -1),
        key(ecodes.BTN_MODE, 1),  # Home: not a vest button
        key(ecodes.BTN_MODE, 1),
        key(0x2FF, 1),
        absolute(ecodes.ABS_X, 2**31 - 1),
        absolute(ecodes.ABS_X, -(2**31)),
        absolute(ecodes.ABS_RZ, 255),
        InputEvent(0, 0, ecodes.EV_REL, ecodes.REL_X, 3),
        InputEvent(0, 0, 0x1F, 0xFFFF, 12345),
    ]
    edges = [edge for event in odd for edge in decoder.feed(event)]
    assert edges == [("right", True), ("right", False), ("left", True)]
    assert decoder.held == {"left"}
    assert decoder.release_all() == [("left", False)]
    assert decoder.held == frozenset()
    mode = [r for r in caplog.records if f"code {ecodes.BTN_MODE}" in r.getMessage()]
    assert len(mode) == 1  # logged once per code


# --- the service against fake devices ----------------------------------------------------------


@dataclass
class FakeDevice:
    """Behaves like `evdev.InputDevice`; the test pushes events (or an error) into its reads."""

    path: str
    name: str
    uniq: str = ""
    phys: str = "00:1a:7d:da:71:13"  # the vest's own adapter
    grab_error: OSError | None = None
    reads: asyncio.Queue[InputEvent | OSError] = field(default_factory=asyncio.Queue)
    grabbed: bool = False
    closed: bool = False

    def async_read_loop(self) -> FakeDevice:
        return self

    def __aiter__(self) -> FakeDevice:
        return self

    async def __anext__(self) -> InputEvent:
        assert not self.closed, "read after close"
        item = await self.reads.get()
        if isinstance(item, OSError):
            raise item
        return item

    def grab(self) -> None:
        if self.grab_error is not None:
            raise self.grab_error
        self.grabbed = True

    def close(self) -> None:
        self.closed = True


@dataclass
class FakeBus:
    """/dev/input: which nodes exist, and every device opened so far."""

    present: dict[str, tuple[str, str]] = field(default_factory=dict)
    opened: list[FakeDevice] = field(default_factory=list)
    grab_error: OSError | None = None

    def plug(self, path: str, name: str, uniq: str = "") -> None:
        self.present[path] = (name, uniq)

    def list_devices(self) -> list[str]:
        return sorted(self.present)

    def open_device(self, path: str) -> FakeDevice:
        if path not in self.present:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        name, uniq = self.present[path]
        device = FakeDevice(path, name, uniq, grab_error=self.grab_error)
        self.opened.append(device)
        return device

    def live(self, path: str) -> FakeDevice:
        return [d for d in self.opened if d.path == path and not d.closed][-1]

    def sleep(self, path: str) -> None:
        """The pad goes to sleep: its node disappears and its read fails with ENODEV."""
        del self.present[path]
        self.live(path).reads.put_nowait(OSError(errno.ENODEV, "No such device"))


class Recorder:
    def __init__(self) -> None:
        self.seen: asyncio.Queue[tuple[str, ...]] = asyncio.Queue()

    def submit(self, button: str, pressed: bool) -> None:
        self.seen.put_nowait(("press" if pressed else "release", button))

    def connected(self, name: str) -> None:
        self.seen.put_nowait(("connected", name))

    def disconnected(self, name: str) -> None:
        self.seen.put_nowait(("disconnected", name))

    def callbacks(self) -> PadCallbacks:
        return PadCallbacks(
            submit=self.submit,
            connected=self.connected,
            disconnected=self.disconnected,
            refused=lambda name, address: self.seen.put_nowait(("refused", address)),
            missing=lambda: self.seen.put_nowait(("missing",)),
        )

    async def next(self, count: int = 1) -> list[tuple[str, ...]]:
        return [await asyncio.wait_for(self.seen.get(), WITHIN) for _ in range(count)]


def service(
    bus: FakeBus,
    recorder: Recorder,
    *,
    addresses: Sequence[str] = (),
    backoff: tuple[float, ...] = (0.01, 0.02),
) -> EvdevGamepad:
    access = EvdevAccess(
        list_devices=bus.list_devices, open_device=bus.open_device, backoff=backoff
    )
    return EvdevGamepad(
        recorder.callbacks(),
        MICRO_DINPUT.evdev,
        names=["8bitdo micro"],
        addresses=addresses,
        access=access,
    )


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, WITHIN)


async def test_events_in_order_then_sleep_releases_and_reconnects() -> None:
    bus, recorder = FakeBus(), Recorder()
    bus.plug("/dev/input/event0", "Power Button")
    bus.plug("/dev/input/event3", MICRO, MICRO_ADDRESS)
    pad = service(bus, recorder)
    task = asyncio.create_task(pad.run())
    try:
        assert await recorder.next() == [("connected", MICRO)]
        assert pad.connected and pad.ready.is_set()
        device = bus.live("/dev/input/event3")
        assert device.grabbed
        assert all(d.closed for d in bus.opened if d.path == "/dev/input/event0")
        for event in (
            key(ecodes.BTN_SOUTH, 1),
            syn(),
            absolute(ecodes.ABS_X, 0),
            syn(),
            key(ecodes.BTN_SOUTH, 2),
            key(ecodes.BTN_SOUTH, 0),
            key(ecodes.BTN_TL, 1),
            syn(),
        ):
            device.reads.put_nowait(event)
        assert await recorder.next(4) == [
            ("press", "a"),
            ("press", "left"),
            ("release", "a"),
            ("press", "l"),
        ]
        bus.sleep("/dev/input/event3")  # left and l still held
        assert sorted(await recorder.next(2)) == [("release", "l"), ("release", "left")]
        assert await recorder.next() == [("disconnected", MICRO)]
        assert device.closed and not pad.connected

        bus.plug("/dev/input/event4", MICRO, MICRO_ADDRESS)  # a press wakes it up
        assert await recorder.next() == [("connected", MICRO)]
        bus.live("/dev/input/event4").reads.put_nowait(key(ecodes.BTN_EAST, 1))
        assert await recorder.next() == [("press", "b")]
    finally:
        await stop(task)
    assert all(d.closed for d in bus.opened)
    assert await recorder.next() == [("release", "b")]  # released on stop, not "disconnected"
    assert recorder.seen.empty()


async def test_ready_without_a_pad_then_found_later() -> None:
    bus, recorder = FakeBus(), Recorder()
    pad = service(bus, recorder)
    task = asyncio.create_task(pad.run())
    try:
        await asyncio.wait_for(pad.ready.wait(), WITHIN)
        assert not pad.connected
        assert await recorder.next() == [("missing",)]  # told once, however long it sleeps
        bus.plug("/dev/input/event7", MICRO, MICRO_ADDRESS)
        assert await recorder.next() == [("connected", MICRO)]
    finally:
        await stop(task)


async def test_allow_list_refuses_an_unknown_address(caplog: pytest.LogCaptureFixture) -> None:
    bus, recorder = FakeBus(), Recorder()
    bus.plug("/dev/input/event2", MICRO, "aa:bb:cc:dd:ee:ff")
    pad = service(bus, recorder, addresses=[MICRO_ADDRESS.upper()])
    task = asyncio.create_task(pad.run())
    try:
        await asyncio.wait_for(pad.ready.wait(), WITHIN)
        assert not pad.connected
        assert bus.opened and all(d.closed and not d.grabbed for d in bus.opened)
        assert await recorder.next(2) == [("refused", "aa:bb:cc:dd:ee:ff"), ("missing",)]
        bus.plug("/dev/input/event5", MICRO, MICRO_ADDRESS)  # the allowed one
        assert await recorder.next() == [("connected", MICRO)]
        assert bus.live("/dev/input/event5").grabbed
    finally:
        await stop(task)
    refusals = [r for r in caplog.records if "aa:bb:cc:dd:ee:ff" in r.getMessage()]
    assert len(refusals) == 1 and refusals[0].levelno == logging.WARNING  # once, not each poll


async def test_cancel_stops_promptly_closes_and_releases() -> None:
    bus, recorder = FakeBus(), Recorder()
    bus.plug("/dev/input/event3", MICRO, MICRO_ADDRESS)
    pad = service(bus, recorder, backoff=(3600.0,))
    task = asyncio.create_task(pad.run())
    assert await recorder.next() == [("connected", MICRO)]
    device = bus.live("/dev/input/event3")
    device.reads.put_nowait(key(ecodes.BTN_START, 1))
    assert await recorder.next() == [("press", "start")]
    await stop(task)  # the read is waiting: the cancel must not wait for the pad
    assert device.closed and not pad.connected
    assert await recorder.next() == [("release", "start")]
    assert recorder.seen.empty()


async def test_cancel_while_waiting_for_the_pad() -> None:
    bus, recorder = FakeBus(), Recorder()
    pad = service(bus, recorder, backoff=(3600.0,))
    task = asyncio.create_task(pad.run())
    await asyncio.wait_for(pad.ready.wait(), WITHIN)
    await stop(task)


async def test_a_failed_grab_is_logged_and_the_pad_still_works(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus, recorder = FakeBus(grab_error=OSError(errno.EBUSY, "Device or resource busy")), Recorder()
    bus.plug("/dev/input/event3", MICRO, MICRO_ADDRESS)
    pad = service(bus, recorder)
    task = asyncio.create_task(pad.run())
    try:
        assert await recorder.next() == [("connected", MICRO)]
        bus.live("/dev/input/event3").reads.put_nowait(key(ecodes.BTN_NORTH, 1))
        assert await recorder.next() == [("press", "x")]
    finally:
        await stop(task)
    assert any(
        r.levelno == logging.WARNING and "Could not grab" in r.getMessage() for r in caplog.records
    )


def test_a_pad_needs_a_name_or_an_address() -> None:
    with pytest.raises(ValueError, match="name or an address"):
        EvdevGamepad(PadCallbacks(submit=lambda button, pressed: None), GENERIC.evdev)


def test_default_device_listing_uses_evdev() -> None:
    assert isinstance(pad_access.evdev_list_devices(), list)  # /dev/input may be absent here
