"""Bluetooth Classic (already paired) gamepads read through Linux evdev.

Small pads such as the 8BitDo Micro are Bluetooth Classic HID devices: once paired and trusted,
BlueZ hands them to the kernel, which exposes them as ``/dev/input/event*`` devices. This module
reads such a device and turns its key and axis events into the vest's logical buttons
(`vestsight.names.GAMEPAD_BUTTONS`).

- `EvdevMap` says which evdev codes are which logical button; presets for the 8BitDo Micro in
  D-input and keyboard mode, and for pads that follow the Linux gamepad specification.
- `EvdevDecoder` is pure logic: events in, ``(button, pressed)`` edges out.
- `EvdevGamepad` is the service: it finds the configured pad, grabs it (so its keys do not also
  type into a console), reads it on the event loop and submits edges. The pad sleeps when idle
  (its device disappears) and comes back on a press (the device reappears): the service then
  releases every held button, reports the disconnection, and polls for the pad with a backoff.

python-evdev is imported only inside the default device functions, so this module imports (and
its logic is tested) without it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol

from ..names import GAMEPAD_BUTTONS
from ..supervisor import Service
from .events import PadCallbacks, check_pad_search

_LOGGER = logging.getLogger(__name__)

# Kernel ABI constants from <linux/input-event-codes.h> (stable; the tests check them against
# python-evdev's `ecodes`), so the presets exist without importing evdev.
EV_SYN, EV_KEY, EV_ABS, EV_MSC = 0x00, 0x01, 0x03, 0x04
ABS_X, ABS_Y, ABS_HAT0X, ABS_HAT0Y = 0x00, 0x01, 0x10, 0x11
BTN_SOUTH, BTN_EAST, BTN_NORTH, BTN_WEST = 0x130, 0x131, 0x133, 0x134
BTN_TL, BTN_TR, BTN_TL2, BTN_TR2 = 0x136, 0x137, 0x138, 0x139
BTN_SELECT, BTN_START = 0x13A, 0x13B
BTN_DPAD_UP, BTN_DPAD_DOWN, BTN_DPAD_LEFT, BTN_DPAD_RIGHT = 0x220, 0x221, 0x222, 0x223
KEY_E, KEY_I, KEY_O, KEY_R = 18, 23, 24, 19
KEY_D, KEY_F, KEY_G, KEY_H, KEY_J, KEY_K, KEY_L = 32, 33, 34, 35, 36, 37, 38
KEY_C, KEY_N, KEY_M = 46, 49, 50


@dataclass(frozen=True)
class DpadAxis:
    """An absolute axis used as one line of a d-pad: below centre is `negative`, above `positive`.

    A value at or beyond ``centre ± threshold`` presses that direction; anything nearer the centre
    is no direction. Hats: centre 0, threshold 1 (values -1/0/1). 8-bit axes: centre 127,
    threshold 64 (values 0/127/255).
    """

    code: int
    negative: str
    positive: str
    centre: int = 0
    threshold: int = 1

    def direction(self, value: int) -> str | None:
        if value <= self.centre - self.threshold:
            return self.negative
        if value >= self.centre + self.threshold:
            return self.positive
        return None


@dataclass(frozen=True)
class EvdevMap:
    """Which evdev codes are which of the vest's logical buttons."""

    name: str
    keys: Mapping[int, str]
    """EV_KEY code -> logical button."""
    axes: tuple[DpadAxis, ...] = ()
    """EV_ABS axes read as a d-pad."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))
        names = [*self.keys.values()]
        names += [n for axis in self.axes for n in (axis.negative, axis.positive)]
        unknown = sorted(set(names) - set(GAMEPAD_BUTTONS))
        if unknown:
            raise ValueError(f"{self.name}: unknown buttons {unknown}, use {GAMEPAD_BUTTONS}")
        if any(axis.threshold < 1 for axis in self.axes):
            raise ValueError(f"{self.name}: a d-pad axis threshold must be at least 1")


_HAT = (DpadAxis(ABS_HAT0X, "left", "right"), DpadAxis(ABS_HAT0Y, "up", "down"))
_SHOULDERS_AND_MENU = {
    BTN_TL: "l", BTN_TR: "r", BTN_TL2: "l2", BTN_TR2: "r2",
    BTN_SELECT: "select", BTN_START: "start",
}  # fmt: skip

EIGHTBITDO_MICRO_DINPUT = EvdevMap(
    # D mode is a plain HID gamepad mapped by the kernel's hid-input: HID button n becomes
    # BTN_GAMEPAD + n - 1 (BTN_SOUTH, BTN_EAST, BTN_C, BTN_NORTH, BTN_WEST, BTN_Z, BTN_TL...).
    # Which printed letter is which HID button, two sources that agree:
    # - Bluepad32 (ricardoquesada/bluepad32), uni_hid_parser_8bitdo.c, 8BitDo "Android"/D
    #   mode: usage 1 "Button A", 2 "Button B", 4 "Button X", 5 "Button Y", 7/8 L/R, 9/10
    #   L2/R2, 11 Select, 12 Start.
    # - SDL's Linux row for the Micro (SDL_gamecontrollerdb.h, GUID
    #   05000000c82d00002090000000010000 "8BitDo Micro gamepad", the positional variant):
    #   a:b1,b:b0,x:b4,y:b3, leftshoulder:b6, lefttrigger:b8, back:b10, start:b11, d-pad
    #   -a0/+a0/-a1/+a1. SDL numbers Linux buttons in code order, so b0 = BTN_SOUTH and
    #   b1 = BTN_EAST: SDL's bottom position is BTN_EAST (the printed B), its right position is
    #   BTN_SOUTH (the printed A).
    # So the kernel's aliases BTN_A/B/X/Y (= SOUTH/EAST/NORTH/WEST) match the printed letters,
    # not the positions of Documentation/input/gamepad.rst, whose south is the bottom button.
    # The d-pad is ABS_X/ABS_Y 0/127/255; HAT0 is accepted too, in case a firmware sends one.
    # Home is BTN_MODE (no vest button); Star is the pad's own turbo key and sends nothing.
    name="8BitDo Micro (D-input)",
    keys={
        BTN_SOUTH: "a",
        BTN_EAST: "b",
        BTN_NORTH: "x",
        BTN_WEST: "y",
        **_SHOULDERS_AND_MENU,
    },
    axes=(
        DpadAxis(ABS_X, "left", "right", centre=127, threshold=64),
        DpadAxis(ABS_Y, "up", "down", centre=127, threshold=64),
        *_HAT,
    ),
)

EIGHTBITDO_MICRO_KEYBOARD = EvdevMap(
    # K mode's factory keys. 8BitDo's manual does not list them (they are changed in its
    # Ultimate Software). Public sources that agree: Bluepad32's uni_hid_parser_8bitdo.c keyboard
    # mode (8BitDo Zero 2, same scheme: C/D/E/F d-pad, G = A, J = B, H = X, I = Y, K = L, M = R,
    # N = select, O = start); an Android app's DefaultControllerProfiles.kt for the Micro
    # ("K-Mode Default", 2dc8:9021), which adds L2 = L, R2 = R, star = S; an evtest log of a
    # Micro in K mode (KEY_E, KEY_F); utono/install's mpv notes (R KEY_M, R2 KEY_R, + KEY_O,
    # - KEY_N). L2/R2 rest on one source each. A remapped pad needs its own map.
    name="8BitDo Micro (keyboard)",
    keys={
        KEY_G: "a",
        KEY_J: "b",
        KEY_H: "x",
        KEY_I: "y",
        KEY_K: "l",
        KEY_M: "r",
        KEY_L: "l2",
        KEY_R: "r2",
        KEY_N: "select",
        KEY_O: "start",
        KEY_C: "up",
        KEY_D: "down",
        KEY_E: "left",
        KEY_F: "right",
    },
)

GENERIC_GAMEPAD = EvdevMap(
    # Documentation/input/gamepad.rst (Linux gamepad specification): the action pad is reported
    # by position, BTN_SOUTH/EAST/NORTH/WEST; TL/TR, TL2/TR2, SELECT/START; the d-pad as
    # ABS_HAT0X/ABS_HAT0Y or as BTN_DPAD_*. Named like an Xbox pad: a south, b east, x north
    # (printed Y on an Xbox pad: the vest's x is the top button here), y west.
    name="Linux gamepad",
    keys={
        BTN_SOUTH: "a",
        BTN_EAST: "b",
        BTN_NORTH: "x",
        BTN_WEST: "y",
        **_SHOULDERS_AND_MENU,
        BTN_DPAD_UP: "up",
        BTN_DPAD_DOWN: "down",
        BTN_DPAD_LEFT: "left",
        BTN_DPAD_RIGHT: "right",
    },
    axes=_HAT,
)

PRESETS: dict[str, EvdevMap] = {
    "8bitdo-micro-dinput": EIGHTBITDO_MICRO_DINPUT,
    "8bitdo-micro-keyboard": EIGHTBITDO_MICRO_KEYBOARD,
    # Through the kernel (hid-generic or xpadneo) the Xbox pad follows the Linux gamepad numbering.
    "xbox-wireless": GENERIC_GAMEPAD,
    "generic": GENERIC_GAMEPAD,
}
"""By the names `gamepad.preset` accepts (`vestsight.names.GAMEPAD_PRESETS`)."""


class EventLike(Protocol):
    """What the decoder reads from an event: `evdev.InputEvent` has these."""

    @property
    def type(self) -> int: ...
    @property
    def code(self) -> int: ...
    @property
    def value(self) -> int: ...


Edge = tuple[str, bool]
"""A logical button and whether it went down (True) or up (False)."""


class EvdevDecoder:
    """Turns evdev events into button edges; never raises on odd input.

    EV_KEY value 1 presses, 0 releases, 2 (autorepeat) and anything else is ignored. A d-pad axis
    that moves releases its old direction and presses its new one. Two codes for one button (a
    hat and BTN_DPAD_UP, say) hold it down until both have let go.
    """

    def __init__(self, mapping: EvdevMap) -> None:
        self._map = mapping
        self._axes = {axis.code: axis for axis in mapping.axes}
        self._holders: dict[str, set[tuple[int, int]]] = {}
        self._axis_state: dict[int, str | None] = {}
        self._unknown: set[tuple[int, int]] = set()

    @property
    def held(self) -> frozenset[str]:
        return frozenset(self._holders)

    def feed(self, event: EventLike) -> list[Edge]:
        kind, code, value = event.type, event.code, event.value
        if not isinstance(value, int) or not isinstance(code, int):
            _LOGGER.debug("Ignored an event with a non-integer code or value: %r", event)
            return []
        if kind == EV_KEY:
            name = self._map.keys.get(code)
            if name is None:
                self._note_unknown(kind, code)
                return []
            if value == 1:
                return self._hold(name, (kind, code))
            if value == 0:
                return self._let_go(name, (kind, code))
            return []  # 2 = autorepeat
        if kind == EV_ABS:
            axis = self._axes.get(code)
            if axis is None:
                self._note_unknown(kind, code)
                return []
            old, new = self._axis_state.get(code), axis.direction(value)
            if new == old:
                return []
            self._axis_state[code] = new
            edges = self._let_go(old, (kind, code)) if old else []
            return edges + (self._hold(new, (kind, code)) if new else [])
        if kind not in (EV_SYN, EV_MSC):
            self._note_unknown(kind, code)
        return []

    def release_all(self) -> list[Edge]:
        """Forget every held button and return their release edges."""
        edges = [(name, False) for name in self._holders]
        self._holders.clear()
        self._axis_state.clear()
        return edges

    def _hold(self, name: str, holder: tuple[int, int]) -> list[Edge]:
        holders = self._holders.setdefault(name, set())
        first = not holders
        holders.add(holder)
        return [(name, True)] if first else []

    def _let_go(self, name: str, holder: tuple[int, int]) -> list[Edge]:
        holders = self._holders.get(name)
        if holders is None or holder not in holders:
            return []
        holders.discard(holder)
        if holders:
            return []
        del self._holders[name]
        return [(name, False)]

    def _note_unknown(self, kind: int, code: int) -> None:
        if (kind, code) not in self._unknown:
            self._unknown.add((kind, code))
            _LOGGER.debug("%s: ignoring event type %d code %d", self._map.name, kind, code)


class InputDeviceLike(Protocol):
    """The part of `evdev.InputDevice` the service uses."""

    @property
    def path(self) -> str | bytes: ...
    @property
    def name(self) -> str: ...
    @property
    def phys(self) -> str: ...
    @property
    def uniq(self) -> str: ...
    def async_read_loop(self) -> AsyncIterable[EventLike]: ...
    def grab(self) -> None: ...
    def close(self) -> None: ...


def evdev_list_devices() -> list[str]:
    import evdev

    return sorted(evdev.list_devices(writable=False))


def evdev_open_device(path: str) -> InputDeviceLike:
    import evdev

    return evdev.InputDevice(path)


def _address(text: str) -> str:
    return text.strip().lower()


class EvdevGamepad(Service):
    """Reads one paired gamepad through evdev; survives it sleeping and waking (hot-plug).

    A device is the pad when its name contains one of `names` (case-insensitive; any name when
    `names` is empty) and, when `addresses` is not empty, its ``uniq`` is one of them. For a
    Bluetooth HID device ``uniq`` is the pad's address; ``phys`` is the vest's own adapter, so it
    is not used. Edges, connections, refusals and "no pad found" go to `callbacks`, so the app
    can speak and buzz. A cancel is not a disconnection: held buttons are released,
    ``callbacks.disconnected`` is not called.
    """

    name = "evdev_gamepad"
    spoken_name = "controller"

    def __init__(
        self,
        callbacks: PadCallbacks,
        mapping: EvdevMap = GENERIC_GAMEPAD,
        *,
        names: Sequence[str] = (),
        addresses: Iterable[str] = (),
        list_devices: Callable[[], Sequence[str]] = evdev_list_devices,
        open_device: Callable[[str], InputDeviceLike] = evdev_open_device,
        backoff: Sequence[float] = (0.5, 1.0, 2.0, 5.0),
        grab: bool = True,
    ) -> None:
        super().__init__()
        check_pad_search("evdev", names, addresses, backoff)
        self._tell = callbacks
        self._decoder = EvdevDecoder(mapping)
        self._names = tuple(n.lower() for n in names)
        self._addresses = frozenset(_address(a) for a in addresses)
        self._list_devices = list_devices
        self._open_device = open_device
        self._backoff = tuple(backoff)
        self._grab = grab
        self._connected = False
        self.battery_percent: int | None = None
        """Not read: the kernel shows a Classic pad's battery, if at all, in power_supply."""
        self._told: set[tuple[str | bytes, str]] = set()
        self._refused: set[tuple[str | bytes, str]] = set()

    @property
    def connected(self) -> bool:
        return self._connected

    async def run(self) -> None:
        attempt = 0
        while True:
            device = self._find()
            if device is None and not self.ready.is_set():
                self._tell.missing()
            self.ready.set()
            if device is None:
                await asyncio.sleep(self._backoff[min(attempt, len(self._backoff) - 1)])
                attempt += 1
                continue
            attempt = 0
            await self._serve(device)
            await asyncio.sleep(self._backoff[0])  # let a vanished node go before looking again

    def _find(self) -> InputDeviceLike | None:
        found: InputDeviceLike | None = None
        for path in self._list_devices():
            try:
                device = self._open_device(path)
            except OSError as error:  # vanished meanwhile, or not ours to read
                self._tell_once(path, "open", logging.DEBUG, "Cannot open %s: %s", path, error)
                continue
            if found is None and self._wanted(device):
                found = device
            else:
                device.close()
        return found

    def _wanted(self, device: InputDeviceLike) -> bool:
        if self._names and not any(n in device.name.lower() for n in self._names):
            return False
        address = _address(device.uniq or "")
        if self._addresses and address not in self._addresses:
            self._tell_once(
                device.path,
                address,
                logging.WARNING,
                "Refused %r at %s: address %r is not in the allowed list",
                device.name,
                device.path,
                address,
            )
            if (device.path, address) not in self._refused:
                self._refused.add((device.path, address))
                self._tell.refused(device.name, address)
            return False
        return True

    async def _serve(self, device: InputDeviceLike) -> None:
        name = device.name
        cancelled = False
        try:
            if self._grab:
                try:
                    device.grab()
                except OSError as error:
                    _LOGGER.warning(
                        "Could not grab %s (%s): its keys also reach others", name, error
                    )
            self._connected = True
            _LOGGER.info("Controller %r connected at %s (%s)", name, device.path, device.uniq)
            self._tell.connected(name)
            async for event in device.async_read_loop():
                for button, pressed in self._decoder.feed(event):
                    self._tell.submit(button, pressed)
        except OSError as error:  # ENODEV: the pad went to sleep or out of range
            _LOGGER.info("Controller %r went away: %s", name, error)
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            device.close()
            for button, pressed in self._decoder.release_all():
                self._tell.submit(button, pressed)
            was_connected, self._connected = self._connected, False
            if was_connected and not cancelled:
                self._tell.disconnected(name)

    def _tell_once(
        self, path: str | bytes, what: str, level: int, message: str, *args: object
    ) -> None:
        if (path, what) not in self._told:
            self._told.add((path, what))
            _LOGGER.log(level, message, *args)
