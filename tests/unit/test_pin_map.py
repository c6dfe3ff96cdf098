"""The pin map in hardware/ and the app's GPIO defaults must agree."""

from __future__ import annotations

import tomllib

from tests.conftest import REPO
from vestsight.settings import ButtonMapSettings, GpioSettings, PowerSettings


def test_hardware_pin_map_matches_defaults() -> None:
    pins = tomllib.loads((REPO / "hardware" / "pins.toml").read_text())
    defaults = GpioSettings()
    assert {name: spec["gpio"] for name, spec in pins["buttons"].items()} == defaults.buttons
    assert pins["motor"]["gpio"] == defaults.motor_pin
    power = PowerSettings()
    assert pins["power"]["external_power"]["gpio"] == power.power_pin
    assert (pins["power"]["i2c_bus"], pins["power"]["i2c_address"]) == (
        power.i2c_bus,
        power.i2c_address,
    )
    used = {spec["gpio"] for spec in pins["buttons"].values()} | {pins["motor"]["gpio"]}
    assert used.isdisjoint({2, 3, 6, 16})  # the UPS board's pins


def test_every_vest_button_has_a_command() -> None:
    assert set(ButtonMapSettings().gpio) == set(GpioSettings().buttons)
