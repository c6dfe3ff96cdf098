"""The documented `vestsight.toml` the image puts on the card: the app's keys, then `[system]`.

The app's settings as `vestsight --print-config` renders them, with the vest's values where they
differ from the development defaults (each noting its default), followed by every `[system]` key
with its help and its safe default.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..config_doc import render_toml, toml_value
from ..settings import Settings
from .system import SystemSettings


def render_card_config(overrides: dict[str, Any], title: str = "") -> str:
    """The card's `vestsight.toml`: every app key and every `[system]` key, with help.

    `overrides` maps dotted app keys ("camera.backend") to the vest's values; each such key
    carries a comment naming the built-in default.
    """
    settings = Settings()
    sections: dict[str, dict[str, Any]] = {}
    for dotted, value in overrides.items():
        section, _, key = dotted.partition(".")
        sections.setdefault(section, {})[key] = value
    for section, values in sections.items():
        current = getattr(settings, section)  # AttributeError names a wrong override
        settings = dataclasses.replace(
            settings, **{section: dataclasses.replace(current, **values)}
        )
    default_lines = render_toml(Settings()).splitlines()
    out: list[str] = []
    section_name = ""
    for line in render_toml(settings, title=title).splitlines():
        if line.startswith("["):
            section_name = line.strip("[]")
        key = line.split(" = ", 1)[0] if " = " in line and not line.startswith("#") else ""
        if key and f"{section_name}.{key}" in overrides:
            default = _value_in(default_lines, section_name, key)
            out.append(f"# (The vest's value; the built-in default is {default}.)")
        out.append(line)
    out += [
        "",
        "[system]",
        "# Applied at every boot by vestsight-system.service, as root, before the app starts.",
        "# Everything network is off by default: nothing listens unless ssh or wifi is true.",
    ]
    defaults = SystemSettings()
    for fld in dataclasses.fields(SystemSettings):
        out.append(f"# {fld.metadata['help']}")
        out.append(f"{fld.name} = {toml_value(getattr(defaults, fld.name))}")
    return "\n".join(out) + "\n"


def _value_in(lines: list[str], section: str, key: str) -> str:
    current = ""
    for line in lines:
        if line.startswith("["):
            current = line.strip("[]")
        elif current == section and line.startswith(f"{key} = "):
            return line.split(" = ", 1)[1]
    return "unknown"
