"""Load `vestsight.toml` into `Settings`, never failing: bad values fall back to defaults.

Each fallback is a `ConfigProblem` whose `spoken` text the app says once at start, e.g.
"config: speech.rate 9000 is out of range, using 175".
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .settings import Settings

_LOGGER = logging.getLogger(__name__)

PI_CONFIG_PATH = Path("/boot/firmware/vestsight.toml")
"""Where the maker's config lives on the vest (the SD card's FAT boot partition)."""


@dataclass(frozen=True)
class ConfigProblem:
    key: str
    """Dotted key, e.g. ``speech.rate``; empty for a problem with the whole file."""
    spoken: str
    """Short sentence for the wearer; also logged."""


@dataclass(frozen=True)
class LoadedSettings:
    settings: Settings
    problems: tuple[ConfigProblem, ...]
    source: str
    """The file the settings came from, or ``defaults``."""


def default_config_path() -> Path | None:
    """`$VESTSIGHT_CONFIG`, else the boot-partition file on a vest, else none (defaults)."""
    env = os.environ.get("VESTSIGHT_CONFIG")
    if env:
        return Path(env)
    return PI_CONFIG_PATH if PI_CONFIG_PATH.exists() else None


def load_settings(path: Path | None) -> LoadedSettings:
    if path is None:
        return LoadedSettings(Settings(), (), "defaults")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _defaults_because(path, f"config: file {path} not found, using defaults")
    except (OSError, UnicodeDecodeError) as err:
        _LOGGER.error("Cannot read config %s: %s", path, err)
        return _defaults_because(path, f"config: file {path} cannot be read, using defaults")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        _LOGGER.error("Config %s is not valid TOML: %s", path, err)
        line = getattr(err, "lineno", None)  # Python 3.14+; 3.11 has it only in the message
        where = f" at line {line}" if line else ""
        return _defaults_because(path, f"config: the file is not valid TOML{where}, using defaults")
    problems: list[ConfigProblem] = []
    settings = _build(Settings, raw, "", problems)
    for problem in problems:
        _LOGGER.warning("%s", problem.spoken)
    return LoadedSettings(settings, tuple(problems), str(path))


def _defaults_because(path: Path, spoken: str) -> LoadedSettings:
    _LOGGER.warning("%s", spoken)
    return LoadedSettings(Settings(), (ConfigProblem("", spoken),), str(path))


def _build(cls: type[Any], raw: dict[str, Any], prefix: str, problems: list[ConfigProblem]) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in known:
            dotted = f"{prefix}{key}"
            problems.append(ConfigProblem(dotted, f"config: unknown key {dotted}, ignored"))
    values: dict[str, Any] = {}
    for name, fld in known.items():
        if name not in raw:
            continue
        dotted = f"{prefix}{name}"
        hint = hints[name]
        value = raw[name]
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            if isinstance(value, dict):
                values[name] = _build(hint, value, f"{dotted}.", problems)
            else:
                problems.append(
                    ConfigProblem(dotted, f"config: {dotted} must be a section, using defaults")
                )
            continue
        default = _default_of(fld)
        checked = _check_value(dotted, value, hint, default, fld.metadata, problems)
        if checked is not _REJECTED:
            values[name] = checked
    return cls(**values)


_REJECTED = object()


def _default_of(fld: dataclasses.Field[Any]) -> Any:
    if fld.default is not dataclasses.MISSING:
        return fld.default
    if fld.default_factory is not dataclasses.MISSING:
        return fld.default_factory()
    raise TypeError(f"setting {fld.name} has no default")


_TYPE_WORDS = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}


def _check_value(
    dotted: str,
    value: Any,
    hint: Any,
    default: Any,
    meta: typing.Mapping[str, Any],
    problems: list[ConfigProblem],
) -> Any:
    shown_default = _show(default)
    if typing.get_origin(hint) is dict:
        return _check_table(dotted, value, hint, default, meta, problems)
    if not _is_type(value, hint):
        problems.append(
            ConfigProblem(
                dotted, f"config: {dotted} must be {_TYPE_WORDS[hint]}, using {shown_default}"
            )
        )
        return _REJECTED
    if hint is float:
        value = float(value)
        if not math.isfinite(value):
            problems.append(
                ConfigProblem(dotted, f"config: {dotted} must be a number, using {shown_default}")
            )
            return _REJECTED
    problem = _rule_violation(value, meta)
    if problem:
        problems.append(
            ConfigProblem(
                dotted, f"config: {dotted} {_show(value)} is {problem}, using {shown_default}"
            )
        )
        return _REJECTED
    return value


def _check_table(
    dotted: str,
    value: Any,
    hint: Any,
    default: dict[str, Any],
    meta: typing.Mapping[str, Any],
    problems: list[ConfigProblem],
) -> Any:
    """A table is checked entry by entry: a bad entry is dropped, the good ones are kept."""
    if not isinstance(value, dict):
        problems.append(ConfigProblem(dotted, f"config: {dotted} must be a table, using defaults"))
        return _REJECTED
    _key_type, value_type = typing.get_args(hint)
    allowed_keys = meta.get("keys")
    kept: dict[str, Any] = {}
    for key, entry in value.items():
        entry_key = f"{dotted}.{key}"
        if allowed_keys is not None and key not in allowed_keys:
            problems.append(ConfigProblem(entry_key, f"config: unknown key {entry_key}, ignored"))
            continue
        if not _is_type(entry, value_type):
            problems.append(
                ConfigProblem(
                    entry_key,
                    f"config: {entry_key} must be {_TYPE_WORDS[value_type]}, ignored",
                )
            )
            continue
        problem = _rule_violation(entry, {**meta, "choices": meta.get("values")})
        if problem:
            problems.append(
                ConfigProblem(
                    entry_key, f"config: {entry_key} {_show(entry)} is {problem}, ignored"
                )
            )
            continue
        kept[key] = entry
    return kept


def _is_type(value: Any, hint: Any) -> bool:
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, hint)


def _rule_violation(value: Any, meta: typing.Mapping[str, Any]) -> str:
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        return "not one of " + ", ".join(choices)
    low, high = meta.get("min"), meta.get("max")
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if is_number and ((low is not None and value < low) or (high is not None and value > high)):
        return "out of range"
    return ""


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return f'"{value}"' if value else "empty"
    if isinstance(value, dict):
        return "defaults"
    return str(value)
