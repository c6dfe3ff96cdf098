"""HID report descriptors and input reports of Bluetooth gamepads, in pure Python.

A BLE gamepad (HID over GATT) publishes its report map (characteristic 0x2A4B, the same bytes as a
USB HID report descriptor) and then notifies input reports. This module turns the map into a
layout of input fields per report ID (``parse_report_descriptor``), decodes one report into a
``PadSnapshot`` of buttons, hat, axes, keyboard and consumer usages (``HidDecoder``), and turns
successive snapshots into named button edges through a ``PadMap`` (``PadTracker``).

Over BLE the report ID is not in the notification payload (it comes from the characteristic's
Report Reference descriptor), hence ``HidDecoder.decode(report_id, payload)``; Classic/USB reports
carry it as the first byte, see ``HidDecoder.decode_prefixed``. Bad reports never raise: the
decoder logs (rate limited) and returns None. Only a malformed descriptor raises, at parse time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from ..errors import HidDescriptorError

_LOGGER = logging.getLogger(__name__)

PAGE_GENERIC_DESKTOP = 0x01
PAGE_SIMULATION = 0x02
PAGE_KEYBOARD = 0x07
PAGE_BUTTON = 0x09
PAGE_CONSUMER = 0x0C
USAGE_HAT_SWITCH = 0x39

MAX_REPORT_BITS = 8 * 1024
"""Larger input reports are refused as malformed: no pad sends a kilobyte per report."""
MAX_USAGE_RANGE = 1024
"""A Usage Minimum..Maximum range wider than this is refused as malformed."""
LOG_INTERVAL_S = 60.0


class Usage(NamedTuple):
    page: int
    id: int


AXIS_X = Usage(PAGE_GENERIC_DESKTOP, 0x30)
AXIS_Y = Usage(PAGE_GENERIC_DESKTOP, 0x31)
AXIS_Z = Usage(PAGE_GENERIC_DESKTOP, 0x32)
AXIS_RX = Usage(PAGE_GENERIC_DESKTOP, 0x33)
AXIS_RY = Usage(PAGE_GENERIC_DESKTOP, 0x34)
AXIS_RZ = Usage(PAGE_GENERIC_DESKTOP, 0x35)
TRIGGER_ACCELERATOR = Usage(PAGE_SIMULATION, 0xC4)
TRIGGER_BRAKE = Usage(PAGE_SIMULATION, 0xC5)
STICK_AXES = frozenset({AXIS_X, AXIS_Y, AXIS_Z, AXIS_RX, AXIS_RY, AXIS_RZ})
TRIGGER_AXES = frozenset({TRIGGER_ACCELERATOR, TRIGGER_BRAKE})
HAT_DIRECTIONS = ("up", "up-right", "right", "down-right", "down", "down-left", "left", "up-left")


@dataclass(frozen=True)
class VariableField:
    """One value in an input report: a button bit, an axis, a hat switch."""

    usage: Usage
    bit_offset: int
    """From the first payload byte (the report ID byte, if any, is not counted)."""
    bit_size: int
    logical_min: int
    logical_max: int


@dataclass(frozen=True)
class ArrayField:
    """One slot of an array item: its value selects a usage (e.g. a pressed key) or none."""

    usages: tuple[Usage, ...]
    """Usage selected by value ``logical_min + i``."""
    bit_offset: int
    bit_size: int
    logical_min: int
    logical_max: int


@dataclass(frozen=True)
class ReportLayout:
    report_id: int
    variables: tuple[VariableField, ...]
    arrays: tuple[ArrayField, ...]
    bit_length: int

    @property
    def byte_length(self) -> int:
        return (self.bit_length + 7) // 8


@dataclass(frozen=True)
class ReportDescriptor:
    reports: dict[int, ReportLayout]
    """Input report layouts by report ID; ID 0 when the descriptor declares no report IDs."""
    uses_report_ids: bool

    def usages(self, report_id: int) -> set[Usage]:
        layout = self.reports.get(report_id)
        return set() if layout is None else {f.usage for f in layout.variables}


@dataclass
class _Globals:
    usage_page: int = 0
    logical_min: int = 0
    logical_max: int = 0
    report_size: int = 0
    report_count: int = 0
    report_id: int = 0


@dataclass
class _Locals:
    usages: list[tuple[int | None, int]] = field(default_factory=list)
    usage_min: tuple[int | None, int] | None = None


def _sign_extend(value: int, bits: int) -> int:
    return value - (1 << bits) if bits and value >= 1 << (bits - 1) else value


def _items(data: bytes) -> Iterable[tuple[int, int, int, int]]:
    """Yield (type, tag, unsigned data, data size) of each short item; long items are skipped."""
    pos = 0
    while pos < len(data):
        prefix = data[pos]
        if prefix == 0xFE:  # long item: size byte, tag byte, data
            if pos + 3 > len(data):
                raise HidDescriptorError(f"long item truncated at byte {pos}")
            pos += 3 + data[pos + 1]
            if pos > len(data):
                raise HidDescriptorError("long item runs past the end of the descriptor")
            continue
        size = (0, 1, 2, 4)[prefix & 0x03]
        if pos + 1 + size > len(data):
            raise HidDescriptorError(f"item 0x{prefix:02x} at byte {pos} is truncated")
        value = int.from_bytes(data[pos + 1 : pos + 1 + size], "little")
        yield (prefix >> 2) & 0x03, prefix >> 4, value, size
        pos += 1 + size


def parse_report_descriptor(data: bytes) -> ReportDescriptor:
    """Parse a report map into input report layouts; raise HidDescriptorError if malformed."""
    state = _Globals()
    stack: list[_Globals] = []
    local = _Locals()
    depth = 0
    offsets: dict[int, int] = {}
    variables: dict[int, list[VariableField]] = {}
    arrays: dict[int, list[ArrayField]] = {}
    uses_ids = False
    for kind, tag, value, size in _items(bytes(data)):
        if kind == 0:  # main
            if tag == 0x8:  # Input
                _add_input(state, local, value, offsets, variables, arrays)
            elif tag == 0xA:  # Collection
                depth += 1
            elif tag == 0xC:  # End Collection
                depth -= 1
                if depth < 0:
                    raise HidDescriptorError("End Collection without a Collection")
            local = _Locals()  # Output, Feature and unknown main items only reset the locals
        elif kind == 1:  # global
            _set_global(state, stack, tag, value, size)
            if tag == 0x8:
                uses_ids = True
        elif kind == 2:  # local
            page = value >> 16 if size == 4 else None
            usage = value & 0xFFFF if size == 4 else value
            if tag == 0x0:
                local.usages.append((page, usage))
            elif tag == 0x1:
                local.usage_min = (page, usage)
            elif tag == 0x2:
                if local.usage_min is None:
                    raise HidDescriptorError("Usage Maximum without Usage Minimum")
                first_page, first = local.usage_min
                if not first <= usage < first + MAX_USAGE_RANGE:
                    raise HidDescriptorError(f"bad usage range {first}..{usage}")
                local.usages.extend((first_page, u) for u in range(first, usage + 1))
                local.usage_min = None
    if depth != 0:
        raise HidDescriptorError(f"{depth} collection(s) not closed")
    if not offsets:
        raise HidDescriptorError("no input report in the descriptor")
    reports = {
        rid: ReportLayout(rid, tuple(variables[rid]), tuple(arrays[rid]), bits)
        for rid, bits in offsets.items()
    }
    return ReportDescriptor(reports, uses_ids)


def _set_global(state: _Globals, stack: list[_Globals], tag: int, value: int, size: int) -> None:
    if tag == 0x0:
        state.usage_page = value
    elif tag == 0x1:
        state.logical_min = _sign_extend(value, 8 * size)
    elif tag == 0x2:
        state.logical_max = _sign_extend(value, 8 * size)
        if state.logical_max < state.logical_min and state.logical_min >= 0:
            state.logical_max = value  # a positive maximum written without its sign byte
    elif tag == 0x7:
        state.report_size = value
    elif tag == 0x8:
        if not 0 < value < 256:
            raise HidDescriptorError(f"report ID {value} out of range 1..255")
        state.report_id = value
    elif tag == 0x9:
        state.report_count = value
    elif tag == 0xA:
        stack.append(_Globals(**vars(state)))
    elif tag == 0xB:
        if not stack:
            raise HidDescriptorError("Pop without Push")
        vars(state).update(vars(stack.pop()))


def _add_input(
    state: _Globals,
    local: _Locals,
    flags: int,
    offsets: dict[int, int],
    variables: dict[int, list[VariableField]],
    arrays: dict[int, list[ArrayField]],
) -> None:
    rid, size, count = state.report_id, state.report_size, state.report_count
    start = offsets.setdefault(rid, 0)
    variables.setdefault(rid, [])
    arrays.setdefault(rid, [])
    if start + size * count > MAX_REPORT_BITS:
        raise HidDescriptorError(f"input report {rid} longer than {MAX_REPORT_BITS} bits")
    offsets[rid] = start + size * count
    usages = [Usage(state.usage_page if p is None else p, u) for p, u in local.usages]
    if flags & 0x01 or not usages or not 0 < size <= 32:  # constant, unnamed or opaque: padding
        return
    lo, hi = state.logical_min, state.logical_max
    for i in range(count):
        offset = start + i * size
        if flags & 0x02:  # variable: one usage per value, the last one repeats
            usage = usages[min(i, len(usages) - 1)]
            variables[rid].append(VariableField(usage, offset, size, lo, hi))
        else:
            arrays[rid].append(ArrayField(tuple(usages), offset, size, lo, hi))


@dataclass(frozen=True)
class PadSnapshot:
    """The state of a pad after one input report."""

    buttons: frozenset[int] = frozenset()
    hat: str | None = None
    """One of HAT_DIRECTIONS, or None when centred."""
    axes: dict[Usage, float] = field(default_factory=dict)
    """Sticks -1..1, triggers (brake/accelerator) 0..1."""
    keys: frozenset[int] = frozenset()
    consumer: frozenset[int] = frozenset()


class _RateLimitedLog:
    """Logs the first warning of each kind, then at most one per interval."""

    def __init__(self, clock: Callable[[], float], interval_s: float) -> None:
        self._clock, self._interval = clock, interval_s
        self._last: dict[str, float] = {}

    def warning(self, kind: str, message: str, *args: object) -> None:
        now = self._clock()
        last = self._last.get(kind)
        if last is None or now - last >= self._interval:
            self._last[kind] = now
            _LOGGER.warning(message, *args)


class HidDecoder:
    """Decodes input reports of one pad by its parsed descriptor."""

    def __init__(
        self,
        descriptor: ReportDescriptor,
        *,
        clock: Callable[[], float] = time.monotonic,
        log_interval_s: float = LOG_INTERVAL_S,
    ) -> None:
        self.descriptor = descriptor
        self._log = _RateLimitedLog(clock, log_interval_s)

    def decode_prefixed(self, report: bytes) -> PadSnapshot | None:
        """Decode a Classic/USB report, which starts with the report ID if the pad uses IDs."""
        if not self.descriptor.uses_report_ids:
            return self.decode(0, report)
        if not report:
            self._log.warning("empty", "empty HID report ignored")
            return None
        return self.decode(report[0], report[1:])

    def decode(self, report_id: int, payload: bytes) -> PadSnapshot | None:
        """Decode one report payload (without the report ID byte); None if it cannot be."""
        layout = self.descriptor.reports.get(report_id)
        if layout is None:
            self._log.warning("unknown-id", "HID input report ID %r is not in the map", report_id)
            return None
        if len(payload) < layout.byte_length:
            self._log.warning(
                "short",
                "HID report %d has %d bytes, %d expected: ignored",
                report_id,
                len(payload),
                layout.byte_length,
            )
            return None
        if len(payload) > layout.byte_length:
            self._log.warning(
                "oversized",
                "HID report %d has %d bytes, %d expected: extra bytes ignored",
                report_id,
                len(payload),
                layout.byte_length,
            )
        bits = int.from_bytes(payload[: layout.byte_length], "little")
        return _snapshot(layout, bits)


def _value(bits: int, offset: int, size: int, logical_min: int) -> int:
    raw = (bits >> offset) & ((1 << size) - 1)
    return _sign_extend(raw, size) if logical_min < 0 else raw


def _snapshot(layout: ReportLayout, bits: int) -> PadSnapshot:
    buttons: set[int] = set()
    keys: set[int] = set()
    consumer: set[int] = set()
    axes: dict[Usage, float] = {}
    hat: str | None = None
    for var in layout.variables:
        value = _value(bits, var.bit_offset, var.bit_size, var.logical_min)
        usage, lo, hi = var.usage, var.logical_min, var.logical_max
        if usage.page == PAGE_BUTTON:
            if value != 0:
                buttons.add(usage.id)
        elif usage == Usage(PAGE_GENERIC_DESKTOP, USAGE_HAT_SWITCH):
            hat = _hat_direction(value, lo, hi)
        elif usage in STICK_AXES and hi > lo:
            axes[usage] = max(-1.0, min(1.0, 2.0 * (value - lo) / (hi - lo) - 1.0))
        elif usage in TRIGGER_AXES and hi > lo:
            axes[usage] = max(0.0, min(1.0, (value - lo) / (hi - lo)))
        elif usage.page == PAGE_KEYBOARD and value != 0:
            keys.add(usage.id)
        elif usage.page == PAGE_CONSUMER and value != 0:
            consumer.add(usage.id)
    for slot in layout.arrays:
        value = _value(bits, slot.bit_offset, slot.bit_size, slot.logical_min)
        index = value - slot.logical_min
        if not slot.logical_min <= value <= slot.logical_max or index >= len(slot.usages):
            continue
        usage = slot.usages[index]
        if usage.page == PAGE_KEYBOARD and usage.id > 3:  # 0 none, 1..3 error codes
            keys.add(usage.id)
        elif usage.page == PAGE_CONSUMER and usage.id != 0:
            consumer.add(usage.id)
        elif usage.page == PAGE_BUTTON and usage.id != 0:
            buttons.add(usage.id)
    return PadSnapshot(frozenset(buttons), hat, axes, frozenset(keys), frozenset(consumer))


def _hat_direction(value: int, logical_min: int, logical_max: int) -> str | None:
    """Eight-way (or four-way) hat; a value outside the logical range means centred."""
    if not logical_min <= value <= logical_max:
        return None
    positions = logical_max - logical_min + 1
    if positions == 8:
        return HAT_DIRECTIONS[value - logical_min]
    if positions == 4:
        return HAT_DIRECTIONS[2 * (value - logical_min)]
    return None
