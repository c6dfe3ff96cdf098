"""Render settings as a commented `vestsight.toml`: every key, its help, its rule, its value.

`vestsight --print-config` prints it; `device/vestsight.toml` is this output for the simulated
vest, and a test keeps the two in step so the documented file never drifts from the code.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any

from .settings import Settings


def render_toml(settings: Settings | None = None, *, title: str = "") -> str:
    settings = settings or Settings()
    lines = [
        "# Vestsight configuration. Every key is optional: a missing key takes its default,",
        "# a bad value is replaced by its default and the vest says which key was wrong.",
    ]
    if title:
        lines.append(f"# {title}")
    for section in dataclasses.fields(settings):
        lines.append("")
        lines.append(f"[{section.name}]")
        section_value = getattr(settings, section.name)
        for fld in dataclasses.fields(section_value):
            lines.extend(_render_field(fld, getattr(section_value, fld.name)))
    return "\n".join(lines) + "\n"


def _render_field(fld: dataclasses.Field[Any], value: Any) -> list[str]:
    meta = fld.metadata
    rule = _describe_rule(meta)
    comment = f"# {meta['help']}" + (f" ({rule})" if rule else "")
    return [comment, f"{fld.name} = {toml_value(value)}"]


def _describe_rule(meta: typing.Mapping[str, Any]) -> str:
    parts = []
    if meta.get("choices"):
        parts.append("one of: " + ", ".join(meta["choices"]))
    if meta.get("min") is not None and meta.get("max") is not None:
        parts.append(f"{_number(meta['min'])} to {_number(meta['max'])}")
    if meta.get("keys"):
        parts.append("keys: " + ", ".join(meta["keys"]))
    if meta.get("values"):
        parts.append("values: " + ", ".join(meta["values"]))
    return "; ".join(parts)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        inner = ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items())
        return "{ " + inner + " }" if inner else "{}"
    return repr(value)
