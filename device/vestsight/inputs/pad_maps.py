"""From decoded HID snapshots to the vest's named buttons: pad maps, presets and the edge tracker.

Pads number their buttons differently and send the d-pad as a hat, as two axes or as keyboard
keys. A ``PadMap`` says, for one pad in one mode, which HID control is which vest button; a
``PadTracker`` compares successive ``PadSnapshot``s under a map and yields press/release edges.

Sources of the presets (button usage N is what Linux's hid-input maps to BTN_SOUTH + N - 1):
- Xbox Wireless Controller 1914, BLE firmware 5.x: report map and btmon captures in
  atar-axis/xpadneo docs/descriptors/xbxs.md (View = button 11, Menu = button 12; triggers are
  Simulation brake/accelerator; Share is Consumer "Record" 0xB2).
- 8BitDo Micro, D mode: SDL's mapping "05000000c82d00002090000000010000, 8BitDo Micro gamepad"
  (b0/b1 = usage 1/2, L/R b6/b7, L2/R2 b8/b9, -/+ b10/b11, d-pad as axes 0 and 1) and an evtest
  note of a Micro user (B = 304 BTN_SOUTH, X = 307, Y = 308, L/R = 310/311, -/+ = 314/315).
- 8BitDo Micro, K mode, stock keys (letters): d-pad C/D/E/F, A G, X H, Y I, B J, R N, L O, Home S,
  as observed by the PiZZa DOSBox-X Bluetooth input port; which of K/L/M/R are L2/R2/-/+ is not
  published, so those buttons are left out of the preset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from vestsight.inputs.hid import (
    AXIS_X,
    AXIS_Y,
    TRIGGER_ACCELERATOR,
    TRIGGER_BRAKE,
    PadSnapshot,
    Usage,
)

VEST_BUTTONS = frozenset(
    {"a", "b", "x", "y", "l", "r", "l2", "r2", "up", "down", "left", "right", "select", "start"}
)
"""The logical button names the vest's commands are bound to."""


class ButtonEdge(NamedTuple):
    name: str
    pressed: bool


@dataclass(frozen=True)
class AxisDpad:
    """An axis that carries two d-pad directions (e.g. 8BitDo Micro, D mode: 0/127/255)."""

    usage: Usage
    negative: str
    positive: str
    threshold: float = 0.5
    """Pressed when the normalised value is beyond +-threshold."""


@dataclass(frozen=True)
class AxisTrigger:
    """An analogue trigger read as a button."""

    usage: Usage
    name: str
    threshold: float = 0.5
    """Pressed when the normalised value exceeds it (0..1 for brake/accelerator, -1..1 for Z)."""


@dataclass(frozen=True)
class PadMap:
    """Which HID control of one pad (in one mode) is which vest button."""

    name: str
    buttons: tuple[tuple[int, str], ...] = ()
    """(HID button usage number, vest name)."""
    hat: tuple[str, str, str, str] | None = ("up", "right", "down", "left")
    """Names of the hat's up, right, down, left; a diagonal presses two. None: no hat."""
    axis_dpads: tuple[AxisDpad, ...] = ()
    triggers: tuple[AxisTrigger, ...] = ()
    keys: tuple[tuple[int, str], ...] = ()
    """(Keyboard page usage, vest name), for pads in keyboard mode."""
    consumer: tuple[tuple[int, str], ...] = ()
    """(Consumer page usage, vest name)."""

    def names(self, snapshot: PadSnapshot) -> frozenset[str]:
        """The vest buttons held in this snapshot."""
        held = {name for number, name in self.buttons if number in snapshot.buttons}
        held.update(name for usage, name in self.keys if usage in snapshot.keys)
        held.update(name for usage, name in self.consumer if usage in snapshot.consumer)
        if self.hat is not None and snapshot.hat is not None:
            words = snapshot.hat.split("-")
            directions = zip(("up", "right", "down", "left"), self.hat, strict=True)
            held.update(name for word, name in directions if word in words)
        for dpad in self.axis_dpads:
            value = snapshot.axes.get(dpad.usage)
            if value is not None and value <= -dpad.threshold:
                held.add(dpad.negative)
            elif value is not None and value >= dpad.threshold:
                held.add(dpad.positive)
        for trigger in self.triggers:
            value = snapshot.axes.get(trigger.usage)
            if value is not None and value > trigger.threshold:
                held.add(trigger.name)
        return frozenset(held)


class PadTracker:
    """Turns successive snapshots of one pad into press/release edges of vest buttons."""

    def __init__(self, pad_map: PadMap) -> None:
        self.pad_map = pad_map
        self._held: frozenset[str] = frozenset()

    @property
    def held(self) -> frozenset[str]:
        return self._held

    def update(self, snapshot: PadSnapshot | None) -> list[ButtonEdge]:
        """Edges since the last snapshot: releases first, then presses, each sorted by name.

        None (a report the decoder refused) changes nothing.
        """
        if snapshot is None:
            return []
        return self._move_to(self.pad_map.names(snapshot))

    def release_all(self) -> list[ButtonEdge]:
        """Release everything held, e.g. when the pad disconnects."""
        return self._move_to(frozenset())

    def _move_to(self, held: frozenset[str]) -> list[ButtonEdge]:
        edges = [ButtonEdge(n, False) for n in sorted(self._held - held)]
        edges += [ButtonEdge(n, True) for n in sorted(held - self._held)]
        self._held = held
        return edges


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

XBOX_WIRELESS_BLE = PadMap(
    name="Xbox Wireless Controller (BLE, firmware 5.x)",
    buttons=_GAMEPAD_NUMBERING,
    triggers=(AxisTrigger(TRIGGER_BRAKE, "l2"), AxisTrigger(TRIGGER_ACCELERATOR, "r2")),
)

# The Micro's HID button numbers follow its printed letters (button 1 = A, which Linux reports as
# BTN_SOUTH): Bluepad32's uni_hid_parser_8bitdo.c and SDL's Linux row for the Micro agree; the
# evdev preset (inputs/evdev_pad.py) cites both, and a test keeps the two presets in step.
EIGHTBITDO_MICRO_DINPUT = PadMap(
    name="8BitDo Micro (D mode)",
    buttons=(*_GAMEPAD_NUMBERING, (9, "l2"), (10, "r2")),  # its triggers are buttons
    axis_dpads=(AxisDpad(AXIS_X, "left", "right"), AxisDpad(AXIS_Y, "up", "down")),
)

EIGHTBITDO_MICRO_KEYBOARD = PadMap(
    name="8BitDo Micro (K mode, stock keys)",
    hat=None,
    keys=(
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
)

GENERIC_GAMEPAD = PadMap(
    name="generic HID gamepad",
    buttons=(
        (1, "a"),
        (2, "b"),
        (3, "x"),
        (4, "y"),
        (5, "l"),
        (6, "r"),
        (7, "l2"),
        (8, "r2"),
        (9, "select"),
        (10, "start"),
    ),
    triggers=(
        AxisTrigger(TRIGGER_BRAKE, "l2"),
        AxisTrigger(TRIGGER_ACCELERATOR, "r2"),
    ),
)

HID_PRESETS: dict[str, PadMap] = {
    "8bitdo-micro-dinput": EIGHTBITDO_MICRO_DINPUT,
    "8bitdo-micro-keyboard": EIGHTBITDO_MICRO_KEYBOARD,
    "xbox-wireless": XBOX_WIRELESS_BLE,
    "generic": GENERIC_GAMEPAD,
}
"""By the names `gamepad.preset` accepts (`vestsight.names.GAMEPAD_PRESETS`)."""
