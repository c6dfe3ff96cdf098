"""The bench's emulated gamepad, as bytes: its HID report map and one input report per state.

A generic HID gamepad (the vest's ``generic`` preset): report ID 1, sixteen buttons (button
usage n is bit n-1), a hat switch (0 = up, clockwise to 7, 8 = centred, the null state) and four
bits of padding. The BLE pad (`bumble_pad.py`) serves these bytes; the logic is tested here
against the vest's own HID parser and preset.
"""

from __future__ import annotations

from collections.abc import Iterable

REPORT_ID = 1

REPORT_MAP = bytes(
    [
        0x05, 0x01,  # Usage Page (Generic Desktop)
        0x09, 0x05,  # Usage (Game Pad)
        0xA1, 0x01,  # Collection (Application)
        0x85, REPORT_ID,  # Report ID
        0x05, 0x09,  # Usage Page (Button)
        0x19, 0x01,  # Usage Minimum (1)
        0x29, 0x10,  # Usage Maximum (16)
        0x15, 0x00,  # Logical Minimum (0)
        0x25, 0x01,  # Logical Maximum (1)
        0x75, 0x01,  # Report Size (1)
        0x95, 0x10,  # Report Count (16)
        0x81, 0x02,  # Input (Data, Variable, Absolute)
        0x05, 0x01,  # Usage Page (Generic Desktop)
        0x09, 0x39,  # Usage (Hat Switch)
        0x15, 0x00,  # Logical Minimum (0)
        0x25, 0x07,  # Logical Maximum (7)
        0x35, 0x00,  # Physical Minimum (0)
        0x46, 0x3B, 0x01,  # Physical Maximum (315)
        0x65, 0x14,  # Unit (degrees)
        0x75, 0x04,  # Report Size (4)
        0x95, 0x01,  # Report Count (1)
        0x81, 0x42,  # Input (Data, Variable, Absolute, Null State)
        0x65, 0x00,  # Unit (none)
        0x75, 0x04,  # Report Size (4)
        0x95, 0x01,  # Report Count (1)
        0x81, 0x03,  # Input (Constant): padding
        0xC0,  # End Collection
    ]
)  # fmt: skip

BUTTON_NUMBERS = {
    "a": 1,
    "b": 2,
    "x": 3,
    "y": 4,
    "l": 5,
    "r": 6,
    "l2": 7,
    "r2": 8,
    "select": 9,
    "start": 10,
}
"""Vest button names on the pad's HID buttons, as the vest's ``generic`` preset reads them."""

HAT_VALUES = {"up": 0, "right": 2, "down": 4, "left": 6}
HAT_CENTRED = 8


def input_report(held: Iterable[str]) -> bytes:
    """The report payload (without the report ID) for these vest buttons held down."""
    held = set(held)
    unknown = held - BUTTON_NUMBERS.keys() - HAT_VALUES.keys()
    if unknown:
        raise ValueError(f"the bench pad has no button {sorted(unknown)}")
    directions = held & HAT_VALUES.keys()
    if len(directions) > 1:
        raise ValueError("the bench pad presses one d-pad direction at a time")
    bits = 0
    for name in held & BUTTON_NUMBERS.keys():
        bits |= 1 << (BUTTON_NUMBERS[name] - 1)
    hat = HAT_VALUES[directions.pop()] if directions else HAT_CENTRED
    return bits.to_bytes(2, "little") + bytes([hat])
