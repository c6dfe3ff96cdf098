"""From evdev events to the vest's button edges, through an `EvdevMap`: pure logic, no device.

`EvdevDecoder` reads what `evdev.InputDevice.async_read_loop()` yields (anything with ``type``,
``code`` and ``value``) and returns ``(button, pressed)`` edges; `vestsight.inputs.evdev_pad`
feeds it from the device and submits the edges.
"""

from __future__ import annotations

import logging
from typing import Protocol

from .evdev_maps import EV_ABS, EV_KEY, EV_MSC, EV_SYN, EvdevMap

_LOGGER = logging.getLogger(__name__)


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
