"""Load `vestsight.toml` into `Settings`, never failing: bad values fall back to defaults.

Each fallback is a `ConfigProblem` whose `spoken` text the app says once at start, e.g.
"config: speech.rate 9000 is out of range, using 175".

On a vest the defaults are the image's: the card's file as the image was built
(`IMAGE_CONFIG_PATH`: the Pi camera, the Pi's pins, the data partition's run folder) lies under
the maker's file, so a key that is missing, wrong, or lost to a syntax error keeps the vest's
value instead of turning a real vest into the simulator. A file that is not valid TOML is read
as far as it can be (`config_recovery`): each damaged line is named by its number.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config_recovery import read_toml
from .config_rules import check_rules
from .settings import Settings

_LOGGER = logging.getLogger(__name__)

PI_CONFIG_PATH = Path("/boot/firmware/vestsight.toml")
"""Where the maker's config lives on the vest (the SD card's FAT boot partition)."""
IMAGE_CONFIG_PATH = Path("/usr/share/vestsight/image/vestsight.toml")
"""The card's config as the image wrote it (image-build): the vest's own defaults."""
IGNORED_TABLES = frozenset({"system"})
"""Tables of the card's file that are not the app's (`vestsight.bootconfig` applies them)."""


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


def image_config_path() -> Path | None:
    """`$VESTSIGHT_IMAGE_CONFIG`, else the image's file when this is a vest, else none."""
    env = os.environ.get("VESTSIGHT_IMAGE_CONFIG")
    if env:
        return Path(env)
    return IMAGE_CONFIG_PATH if IMAGE_CONFIG_PATH.is_file() else None


def load_settings(path: Path | None, *, image: Path | None = None) -> LoadedSettings:
    """The settings of the file at `path` over the image's (`image`, or `image_config_path()`)."""
    base = _image_settings(image or image_config_path())
    if path is None:
        return LoadedSettings(base, (), "defaults")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return _defaults_because(base, path, f"config: file {path} not found, using defaults")
    except OSError as err:
        _LOGGER.error("Cannot read config %s: %s", path, err)
        return _defaults_because(base, path, f"config: file {path} cannot be read, using defaults")
    raw, syntax = read_toml(data)
    problems = [ConfigProblem("", spoken) for spoken in syntax]
    for table in IGNORED_TABLES:
        raw.pop(table, None)
    settings, broken_rules = check_rules(_build(Settings, raw, "", problems, base=base), raw)
    problems += [ConfigProblem(key, spoken) for key, spoken in broken_rules]
    for problem in problems:
        _LOGGER.warning("%s", problem.spoken)
    return LoadedSettings(settings, tuple(problems), str(path))


def _image_settings(path: Path | None) -> Settings:
    """The image's settings (its problems are logged: the image was checked when built)."""
    if path is None:
        return Settings()
    try:
        raw, syntax = read_toml(path.read_bytes())
    except OSError as err:
        _LOGGER.error("Cannot read the image's config %s: %s", path, err)
        return Settings()
    problems = [ConfigProblem("", spoken) for spoken in syntax]
    for table in IGNORED_TABLES:
        raw.pop(table, None)
    settings: Settings = _build(Settings, raw, "", problems)
    for problem in problems:
        _LOGGER.error("Image config %s: %s", path, problem.spoken)
    _LOGGER.info("Defaults: this vest's image config %s", path)
    return settings


def _defaults_because(base: Settings, path: Path, spoken: str) -> LoadedSettings:
    _LOGGER.warning("%s", spoken)
    return LoadedSettings(base, (ConfigProblem("", spoken),), str(path))


def _build(
    cls: type[Any],
    raw: dict[str, Any],
    prefix: str,
    problems: list[ConfigProblem],
    *,
    base: Any = None,
) -> Any:
    """`cls` from `raw`, each key missing or rejected taking its value in `base` (an instance
    of `cls`; None: the built-in defaults)."""
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
        inner = getattr(base, name) if base is not None else None
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            if isinstance(value, dict):
                values[name] = _build(hint, value, f"{dotted}.", problems, base=inner)
            else:
                problems.append(
                    ConfigProblem(dotted, f"config: {dotted} must be a section, using defaults")
                )
            continue
        default = inner if base is not None else _default_of(fld)
        checked = _check_value(dotted, value, hint, default, fld.metadata, problems)
        if checked is not _REJECTED:
            values[name] = checked
    return dataclasses.replace(base, **values) if base is not None else cls(**values)


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
