"""The gamepads the vest knows, one record each: how both backends read it, and why.

`gamepad.preset` names one `PadPreset`. The record holds everything that differs between pads:
the name looked for when the config gives neither names nor addresses, the pad's evdev map (the
kernel's codes, backend evdev), its HID map (its report's controls over BLE, backend ble) and the
sources its numbering rests on. Everything else is derived from `PRESETS`: the setting's choices
(`PRESET_NAMES`), the gamepad factory (`vestsight.gamepad`), and the tests that keep a pad's two
maps in step (Linux's hid-input gives HID button n the code BTN_SOUTH + n - 1).

Neither python-evdev nor bleak is imported: the settings import this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .evdev_maps import (
    ABS_X,
    ABS_Y,
    BTN_DPAD_DOWN,
    BTN_DPAD_LEFT,
    BTN_DPAD_RIGHT,
    BTN_DPAD_UP,
    BTN_EAST,
    BTN_NORTH,
    BTN_SELECT,
    BTN_SOUTH,
    BTN_START,
    BTN_TL,
    BTN_TL2,
    BTN_TR,
    BTN_TR2,
    BTN_WEST,
    HAT,
    KEY_C,
    KEY_D,
    KEY_E,
    KEY_F,
    KEY_G,
    KEY_H,
    KEY_I,
    KEY_J,
    KEY_K,
    KEY_L,
    KEY_M,
    KEY_N,
    KEY_O,
    KEY_R,
    DpadAxis,
    EvdevMap,
)
from .hid import AXIS_X, AXIS_Y, TRIGGER_ACCELERATOR, TRIGGER_BRAKE
from .pad_maps import AxisDpad, AxisTrigger, PadMap


@dataclass(frozen=True)
class PadPreset:
    """One pad in one mode, as both gamepad backends read it."""

    name: str
    """The value of `gamepad.preset`."""
    pad_name: str
    """Looked for in device names when `gamepad.names` and `gamepad.addresses` are both empty."""
    evdev: EvdevMap
    """Its buttons through the kernel (backend evdev)."""
    hid: PadMap
    """Its buttons in its HID reports over BLE (backend ble)."""
    source: str
    """Where the numbering comes from."""


_SHOULDERS_AND_MENU = {
    BTN_TL: "l", BTN_TR: "r", BTN_TL2: "l2", BTN_TR2: "r2",
    BTN_SELECT: "select", BTN_START: "start",
}  # fmt: skip

_GAMEPAD_NUMBERING = (
    (1, "a"),
    (2, "b"),
    (4, "x"),
    (5, "y"),
    (7, "l"),
    (8, "r"),
    (11, "select"),
    (12, "start"),
)
"""Button-page numbers of pads laid out as Linux's gamepad codes (button n = BTN_SOUTH + n - 1:
BTN_A, B, C, X, Y, Z, TL, TR, TL2, TR2, SELECT, START)."""

_PEDAL_TRIGGERS = (AxisTrigger(TRIGGER_BRAKE, "l2"), AxisTrigger(TRIGGER_ACCELERATOR, "r2"))
"""Analogue triggers reported as Simulation brake (left) and accelerator (right), as Xbox-style
pads do: pulled past half way, they are L2 and R2."""

_LINUX_GAMEPAD = EvdevMap(
    # Named like an Xbox pad: a south, b east, x north (printed Y on an Xbox pad: the vest's x is
    # the top button here), y west. The d-pad comes as ABS_HAT0X/ABS_HAT0Y or as BTN_DPAD_*.
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
    axes=HAT,
)
_LINUX_GAMEPAD_SOURCE = (
    "evdev: the Linux gamepad specification (Documentation/input/gamepad.rst): the action pad by "
    "position, BTN_SOUTH/EAST/NORTH/WEST; TL/TR, TL2/TR2, SELECT/START; the d-pad as "
    "ABS_HAT0X/ABS_HAT0Y or BTN_DPAD_*."
)

MICRO_DINPUT = PadPreset(
    name="8bitdo-micro-dinput",
    pad_name="8BitDo Micro",
    # D mode is a plain HID gamepad mapped by the kernel's hid-input. SDL numbers Linux buttons in
    # code order, so b0 = BTN_SOUTH and b1 = BTN_EAST: SDL's bottom position is BTN_EAST (the
    # printed B), its right position BTN_SOUTH (the printed A). So the kernel's aliases
    # BTN_A/B/X/Y (= SOUTH/EAST/NORTH/WEST) match the printed letters, not the positions of
    # gamepad.rst. The d-pad is ABS_X/ABS_Y 0/127/255; HAT0 is accepted too, in case a firmware
    # sends one. Home is BTN_MODE (no vest button); Star is the pad's own turbo key.
    evdev=EvdevMap(
        name="8BitDo Micro (D-input)",
        keys={BTN_SOUTH: "a", BTN_EAST: "b", BTN_NORTH: "x", BTN_WEST: "y", **_SHOULDERS_AND_MENU},
        axes=(
            DpadAxis(ABS_X, "left", "right", centre=127, threshold=64),
            DpadAxis(ABS_Y, "up", "down", centre=127, threshold=64),
            *HAT,
        ),
    ),
    hid=PadMap(
        name="8BitDo Micro (D mode)",
        buttons=(*_GAMEPAD_NUMBERING, (9, "l2"), (10, "r2")),  # its triggers are buttons
        axis_dpads=(AxisDpad(AXIS_X, "left", "right"), AxisDpad(AXIS_Y, "up", "down")),
    ),
    source=(
        "Bluepad32 (ricardoquesada/bluepad32) uni_hid_parser_8bitdo.c, 8BitDo Android/D mode: "
        'usage 1 "Button A", 2 "Button B", 4 "Button X", 5 "Button Y", 7/8 L/R, 9/10 L2/R2, '
        "11 Select, 12 Start. SDL_gamecontrollerdb.h, Linux row 05000000c82d00002090000000010000 "
        '"8BitDo Micro gamepad" (the positional variant): a:b1, b:b0, x:b4, y:b3, '
        "leftshoulder:b6, lefttrigger:b8, back:b10, start:b11, d-pad -a0/+a0/-a1/+a1. An evtest "
        "note of a Micro user: B = 304 BTN_SOUTH, X = 307, Y = 308, L/R = 310/311, -/+ = 314/315."
    ),
)

MICRO_KEYBOARD = PadPreset(
    name="8bitdo-micro-keyboard",
    pad_name="8BitDo Micro",
    # K mode's factory keys; a pad remapped in 8BitDo's Ultimate Software needs its own map.
    evdev=EvdevMap(
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
    ),
    hid=PadMap(
        name="8BitDo Micro (K mode, stock keys)",
        hat=None,
        keys=(  # keyboard page usages: 0x04 = A ... 0x1D = Z
            (0x06, "up"),  # C
            (0x07, "down"),  # D
            (0x08, "left"),  # E
            (0x09, "right"),  # F
            (0x0A, "a"),  # G
            (0x0B, "x"),  # H
            (0x0C, "y"),  # I
            (0x0D, "b"),  # J
            (0x0E, "l"),  # K
            (0x0F, "l2"),  # L
            (0x10, "r"),  # M
            (0x11, "select"),  # N
            (0x12, "start"),  # O
            (0x15, "r2"),  # R
        ),
    ),
    source=(
        "8BitDo's manual does not list the keys. Bluepad32's uni_hid_parser_8bitdo.c keyboard "
        "mode (8BitDo Zero 2, same scheme): C/D/E/F d-pad, G = A, J = B, H = X, I = Y, K = L, "
        "M = R, N = select, O = start. An Android app's DefaultControllerProfiles.kt (\"K-Mode "
        'Default", 2dc8:9021) adds L2 = L, R2 = R, star = S. An evtest log of a Micro in K mode '
        "(KEY_E, KEY_F). utono/install's mpv notes: R KEY_M, R2 KEY_R, + KEY_O, - KEY_N. L2/R2 "
        "rest on one source each. The PiZZa DOSBox-X Bluetooth input port agrees on the d-pad and "
        "A/B/X/Y but reads N as R and O as L."
    ),
)

XBOX_WIRELESS = PadPreset(
    name="xbox-wireless",
    pad_name="Xbox Wireless Controller",
    # Through the kernel (hid-generic or xpadneo) the pad follows the Linux gamepad numbering.
    evdev=_LINUX_GAMEPAD,
    hid=PadMap(
        name="Xbox Wireless Controller (BLE, firmware 5.x)",
        buttons=_GAMEPAD_NUMBERING,
        triggers=_PEDAL_TRIGGERS,
    ),
    source=(
        "HID: Xbox Wireless Controller 1914, BLE firmware 5.x, report map and btmon captures in "
        "atar-axis/xpadneo docs/descriptors/xbxs.md (View = button 11, Menu = button 12; the "
        'triggers are Simulation brake/accelerator; Share is Consumer "Record" 0xB2). '
        + _LINUX_GAMEPAD_SOURCE
    ),
)

GENERIC = PadPreset(
    name="generic",
    pad_name="gamepad",
    evdev=_LINUX_GAMEPAD,
    hid=PadMap(
        name="generic HID gamepad",
        buttons=tuple(enumerate(("a", "b", "x", "y", "l", "r", "l2", "r2", "select", "start"), 1)),
        triggers=_PEDAL_TRIGGERS,
    ),
    source=(
        "HID: buttons 1 to 10 in order (a, b, x, y, l, r, l2, r2, select, start) and the "
        "Simulation brake/accelerator as l2/r2, not taken from one pad. " + _LINUX_GAMEPAD_SOURCE
    ),
)


def _by_name(*presets: PadPreset) -> Mapping[str, PadPreset]:
    table = {preset.name: preset for preset in presets}
    if len(table) != len(presets):
        raise ValueError("two gamepad presets have one name")
    return MappingProxyType(table)


PRESETS: Mapping[str, PadPreset] = _by_name(MICRO_DINPUT, MICRO_KEYBOARD, XBOX_WIRELESS, GENERIC)
"""Every preset by its name."""

PRESET_NAMES: tuple[str, ...] = tuple(PRESETS)
"""The names `gamepad.preset` accepts."""
