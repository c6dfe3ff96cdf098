"""One pad, two paths: each preset's HID map and evdev map name its buttons alike, and the
presets are the one table the setting, the factory and both backends read."""

from __future__ import annotations

import subprocess
import sys

import evdev
import pytest

from vestsight.inputs.pad_presets import MICRO_DINPUT, MICRO_KEYBOARD, PRESET_NAMES, PRESETS
from vestsight.names import GAMEPAD_BUTTONS
from vestsight.settings import GamepadSettings, Settings

BTN_BY_HID_BUTTON = {n: evdev.ecodes.BTN_SOUTH + n - 1 for n in range(1, 16)}
"""Linux's hid-input gives a gamepad's HID button n the code BTN_SOUTH + n - 1 (BTN_A...)."""


def hid_key_code(usage: int) -> int:
    """The evdev code of a HID keyboard-page letter usage (0x04 = A ... 0x1D = Z)."""
    return int(evdev.ecodes.ecodes[f"KEY_{chr(ord('A') + usage - 0x04)}"])


def test_the_micro_in_d_input_mode_has_the_same_buttons_on_both_paths() -> None:
    hid = {BTN_BY_HID_BUTTON[n]: name for n, name in MICRO_DINPUT.hid.buttons}
    assert hid == dict(MICRO_DINPUT.evdev.keys)


def test_the_micro_in_keyboard_mode_has_the_same_keys_on_both_paths() -> None:
    hid = {hid_key_code(usage): name for usage, name in MICRO_KEYBOARD.hid.keys}
    assert hid == dict(MICRO_KEYBOARD.evdev.keys)


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_every_preset_is_complete_and_known_by_its_name(name: str) -> None:
    preset = PRESETS[name]
    assert preset.name == name
    assert preset.pad_name and preset.source
    evdev_names = set(preset.evdev.keys.values())
    evdev_names |= {n for axis in preset.evdev.axes for n in (axis.negative, axis.positive)}
    assert evdev_names == set(GAMEPAD_BUTTONS)


def test_the_setting_accepts_exactly_the_presets() -> None:
    fields = {f.name: f for f in GamepadSettings.__dataclass_fields__.values()}
    assert tuple(fields["preset"].metadata["choices"]) == PRESET_NAMES
    assert Settings().gamepad.preset in PRESETS


def test_the_presets_import_without_evdev_or_bleak() -> None:
    code = (
        "import sys, vestsight.inputs.pad_presets, vestsight.gamepad, vestsight.settings;"
        "print(sorted(m for m in ('evdev', 'bleak') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
