"""Names shared by settings, controls and commands: the vocabulary of the button maps.

The gamepad presets' names come from their records (`vestsight.inputs.pad_presets.PRESET_NAMES`).
"""

from __future__ import annotations

from importlib import resources

GAMEPAD_BUTTONS: tuple[str, ...] = (
    "a",
    "b",
    "x",
    "y",
    "l",
    "r",
    "l2",
    "r2",
    "select",
    "start",
    "up",
    "down",
    "left",
    "right",
)
"""Logical gamepad buttons (SNES-style layout of small pads such as the 8BitDo Micro)."""

COMMAND_NAMES: tuple[str, ...] = (
    "describe",
    "tell_more",
    "ahead",
    "what_is_this",
    "find",
    "read",
    "continue",
    "remember",
    "where_is",
    "set_place",
    "forget_all",
    "stop",
    "repeat",
    "help",
    "status",
    "faster",
    "slower",
    "louder",
    "quieter",
    "verbosity",
    "language",
)
"""Every command a button can be mapped to; `vestsight.commands` implements exactly these."""


def _languages_with_a_file() -> tuple[str, ...]:
    folder = resources.files("vestsight").joinpath("lang")
    codes = (entry.name.removesuffix(".toml") for entry in folder.iterdir())
    return tuple(sorted(code for code in codes if code.isalpha()))


LANGUAGES: tuple[str, ...] = _languages_with_a_file()
"""Languages with a phrase file in `vestsight/lang/`: adding a language is adding a file."""

VERBOSITY_LEVELS: tuple[str, ...] = ("brief", "normal", "detailed")
