"""From decoded HID snapshots to the vest's named buttons: pad maps and the edge tracker.

Pads number their buttons differently and send the d-pad as a hat, as two axes or as keyboard
keys. A ``PadMap`` says, for one pad in one mode, which HID control is which vest button; a
``PadTracker`` compares successive ``PadSnapshot``s under a map and yields press/release edges.
The maps of known pads, with their sources, are in `vestsight.inputs.pad_presets`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from ..names import GAMEPAD_BUTTONS
from .hid import PadSnapshot, Usage

VEST_BUTTONS = frozenset(GAMEPAD_BUTTONS)
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
