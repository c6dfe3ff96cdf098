"""Which evdev codes are which of the vest's buttons: the kernel's codes, d-pad axes and maps.

A pad the kernel handles (Bluetooth Classic HID, or any pad in ``/dev/input``) reports EV_KEY
codes for its buttons and EV_ABS axes for its d-pad. An `EvdevMap` names them with the vest's
logical buttons (`vestsight.names.GAMEPAD_BUTTONS`); the maps of known pads are in
`vestsight.inputs.pad_presets`, beside the same pads' HID maps. `vestsight.inputs.evdev_decoder`
reads events through a map.

The codes are the kernel's ABI (<linux/input-event-codes.h>), written out here so that maps exist
without importing python-evdev; a test checks them against its ``ecodes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..names import GAMEPAD_BUTTONS

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


HAT = (DpadAxis(ABS_HAT0X, "left", "right"), DpadAxis(ABS_HAT0Y, "up", "down"))
"""The d-pad as the Linux gamepad specification sends it: ABS_HAT0X/ABS_HAT0Y, -1/0/1."""
