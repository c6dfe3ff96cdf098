"""The pin map in hardware/ and the app's GPIO defaults must agree."""

from __future__ import annotations

import tomllib

from tests.conftest import REPO
from vestsight.settings import ButtonMapSettings, GpioSettings


def test_hardware_pin_map_matches_defaults() -> None:
    pins = tomllib.loads((REPO / "hardware" / "pins.toml").read_text())
    defaults = GpioSettings()
    assert {name: spec["gpio"] for name, spec in pins["buttons"].items()} == defaults.buttons
    assert pins["motor"]["gpio"] == defaults.motor_pin


def test_every_vest_button_has_a_command() -> None:
    assert set(ButtonMapSettings().gpio) == set(GpioSettings().buttons)
