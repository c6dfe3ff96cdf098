"""One pad, two paths: the HID preset and the evdev preset name its buttons alike."""

from __future__ import annotations

import evdev

from vestsight.inputs import evdev_pad, pad_maps
from vestsight.names import GAMEPAD_PRESETS

BTN_BY_HID_BUTTON = {n: evdev.ecodes.BTN_SOUTH + n - 1 for n in range(1, 16)}
"""Linux's hid-input gives a gamepad's HID button n the code BTN_SOUTH + n - 1 (BTN_A...)."""


def hid_key_code(usage: int) -> int:
    """The evdev code of a HID keyboard-page letter usage (0x04 = A ... 0x1D = Z)."""
    return int(evdev.ecodes.ecodes[f"KEY_{chr(ord('A') + usage - 0x04)}"])


def test_the_micro_in_d_input_mode_has_the_same_buttons_on_both_paths() -> None:
    hid = {BTN_BY_HID_BUTTON[n]: name for n, name in pad_maps.EIGHTBITDO_MICRO_DINPUT.buttons}
    assert hid == dict(evdev_pad.EIGHTBITDO_MICRO_DINPUT.keys)


def test_the_micro_in_keyboard_mode_has_the_same_keys_on_both_paths() -> None:
    hid = {hid_key_code(usage): name for usage, name in pad_maps.EIGHTBITDO_MICRO_KEYBOARD.keys}
    assert hid == dict(evdev_pad.EIGHTBITDO_MICRO_KEYBOARD.keys)


def test_every_configurable_preset_exists() -> None:
    assert set(evdev_pad.PRESETS) == set(GAMEPAD_PRESETS) == set(pad_maps.HID_PRESETS)
