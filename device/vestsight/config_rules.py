"""Rules between settings that each look right alone: pins and the vest buttons' names.

- A pin drives one thing: a vest button on the motor's pin (or on another button's) is left out,
  with the reason, since driving a pin wired to a button can harm the Pi; the motor keeps its
  pin (the first of two buttons keeps a shared one).
- A vest-button name in ``[buttons]`` that ``[gpio].buttons`` does not define is named and
  left out (only names the maker wrote: a default that no longer fits is left out quietly).

Each problem is a (dotted key, sentence, values) triple, the sentence being a key of the language
files' ``[config]`` table; the loader says them with the others.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .settings import ButtonMapSettings, GpioSettings, Settings

Problem = tuple[str, str, dict[str, Any]]
"""The dotted key, its sentence's key in the language files' ``[config]`` table, its values."""

VEST_BUTTON_MAPS = ("gpio", "gpio_hold", "gpio_double")


def check_rules(settings: Settings, raw: dict[str, Any]) -> tuple[Settings, list[Problem]]:
    """`settings` with what breaks a rule left out, and a problem for each."""
    problems: list[Problem] = []
    gpio = _check_pins(settings.gpio, problems)
    buttons = _check_button_names(settings.buttons, gpio, raw.get("buttons"), problems)
    return dataclasses.replace(settings, gpio=gpio, buttons=buttons), problems


def _check_pins(gpio: GpioSettings, problems: list[Problem]) -> GpioSettings:
    kept: dict[str, int] = {}
    for name, pin in gpio.buttons.items():
        key = f"gpio.buttons.{name}"
        if pin == gpio.motor_pin:
            problems.append((key, "pin_of_motor", {"key": key, "pin": pin}))
            continue
        other = next((other for other, used in kept.items() if used == pin), None)
        if other is not None:
            problems.append((key, "pin_of_button", {"key": key, "pin": pin, "other": other}))
            continue
        kept[name] = pin
    return gpio if kept == gpio.buttons else dataclasses.replace(gpio, buttons=kept)


def _check_button_names(
    buttons: ButtonMapSettings, gpio: GpioSettings, written: Any, problems: list[Problem]
) -> ButtonMapSettings:
    written = written if isinstance(written, dict) else {}
    names = set(gpio.buttons)
    changes: dict[str, Any] = {}
    for field in VEST_BUTTON_MAPS:
        mapping: dict[str, str] = getattr(buttons, field)
        told = written.get(field) if isinstance(written.get(field), dict) else {}
        for name in mapping:
            if name not in names and name in told:
                key = f"buttons.{field}.{name}"
                problems.append((key, "no_vest_button", {"key": key, "name": name}))
        kept = {name: command for name, command in mapping.items() if name in names}
        if kept != mapping:
            changes[field] = kept
    talk = buttons.gpio_talk
    if talk and talk not in names:
        if "gpio_talk" in written:
            key = "buttons.gpio_talk"
            problems.append((key, "no_talk_button", {"key": key, "name": talk}))
        changes["gpio_talk"] = ""
    return dataclasses.replace(buttons, **changes) if changes else buttons
