"""Load `vestsight.toml` into `Settings`, never failing: bad values fall back to defaults.

Each fallback is a `ConfigProblem`, which the app says once at start in the wearer's language
(`Phrases.spoken`: a sentence of the language files' ``[config]`` table with the problem's
values), e.g. "config: speech.rate 9000 is out of range, using 175"; that English sentence is
its `spoken` text, the one logged and printed.

On a vest the defaults are the image's: the card's file as the image was built
(`IMAGE_CONFIG_PATH`: the Pi camera, the Pi's pins, the data partition's run folder) lies under
the maker's file, so a key that is missing, wrong, or lost to a syntax error keeps the vest's
value instead of turning a real vest into the simulator. A file that is not valid TOML is read
as far as it can be (`config_recovery`): each damaged line is named by its number.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import os
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from .config_recovery import read_toml
from .config_rules import check_rules
from .phrases import FALLBACK_LANGUAGE, Phrases, Word
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
    """The sentence in English: logged and printed (and said when there is no `phrase`)."""
    phrase: str = ""
    """The sentence's key in the language files' ``[config]`` table: what the wearer hears, in
    their language (`Phrases.spoken`); "" for a sentence given in English only."""
    values: tuple[tuple[str, object], ...] = ()
    """The sentence's ``{placeholders}``: the setting's name, its value, a line number... (a
    `Word` is a word of the language files, said in the wearer's language)."""
    phrase_table: ClassVar[str] = "config"

    @classmethod
    def of(cls, key: str, phrase: str, /, **values: object) -> ConfigProblem:
        """The problem said by `phrase` with `values`; its `spoken` text is the English one."""
        draft = cls(key, "", phrase, tuple(values.items()))
        return dataclasses.replace(draft, spoken=_english().spoken(draft))


@functools.cache
def _english() -> Phrases:
    return Phrases(FALLBACK_LANGUAGE)


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
        return _defaults_because(base, path, "file_missing")
    except OSError as err:
        _LOGGER.error("Cannot read config %s: %s", path, err)
        return _defaults_because(base, path, "file_unreadable")
    raw, syntax = read_toml(data)
    problems = [ConfigProblem.of("", phrase, **values) for phrase, values in syntax]
    for table in IGNORED_TABLES:
        raw.pop(table, None)
    settings, broken_rules = check_rules(build_section(Settings, raw, "", problems, base=base), raw)
    problems += [ConfigProblem.of(key, phrase, **values) for key, phrase, values in broken_rules]
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
    problems = [ConfigProblem.of("", phrase, **values) for phrase, values in syntax]
    for table in IGNORED_TABLES:
        raw.pop(table, None)
    settings: Settings = build_section(Settings, raw, "", problems)
    for problem in problems:
        _LOGGER.error("Image config %s: %s", path, problem.spoken)
    _LOGGER.info("Defaults: this vest's image config %s", path)
    return settings


def _defaults_because(base: Settings, path: Path, phrase: str) -> LoadedSettings:
    problem = ConfigProblem.of("", phrase, path=str(path))
    _LOGGER.warning("%s", problem.spoken)
    return LoadedSettings(base, (problem,), str(path))


def build_section(
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
            problems.append(ConfigProblem.of(dotted, "unknown_key", key=dotted))
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
                values[name] = build_section(hint, value, f"{dotted}.", problems, base=inner)
            else:
                problems.append(ConfigProblem.of(dotted, "not_section", key=dotted))
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


_TYPE_WORDS = {
    bool: Word("config_words", "true_or_false"),
    int: Word("config_words", "whole_number"),
    float: Word("config_words", "number"),
    str: Word("config_words", "text"),
}


def _check_value(
    dotted: str,
    value: Any,
    hint: Any,
    default: Any,
    meta: typing.Mapping[str, Any],
    problems: list[ConfigProblem],
) -> Any:
    if typing.get_origin(hint) is dict:
        return _check_table(dotted, value, hint, default, meta, problems)
    shown_default = _show(default)
    if not _is_type(value, hint):
        problems.append(
            ConfigProblem.of(
                dotted, "wrong_type", key=dotted, kind=_TYPE_WORDS[hint], default=shown_default
            )
        )
        return _REJECTED
    if hint is float:
        value = float(value)
        if not math.isfinite(value):
            problems.append(
                ConfigProblem.of(
                    dotted, "wrong_type", key=dotted, kind=_TYPE_WORDS[float], default=shown_default
                )
            )
            return _REJECTED
    violation = _rule_violation(value, meta)
    if violation:
        phrase, values = violation
        problems.append(
            ConfigProblem.of(
                dotted, phrase, key=dotted, value=_show(value), default=shown_default, **values
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
        problems.append(ConfigProblem.of(dotted, "not_table", key=dotted))
        return _REJECTED
    _key_type, value_type = typing.get_args(hint)
    allowed_keys = meta.get("keys")
    kept: dict[str, Any] = {}
    for key, entry in value.items():
        entry_key = f"{dotted}.{key}"
        if allowed_keys is not None and key not in allowed_keys:
            problems.append(ConfigProblem.of(entry_key, "unknown_key", key=entry_key))
            continue
        if not _is_type(entry, value_type):
            problems.append(
                ConfigProblem.of(
                    entry_key, "wrong_type_ignored", key=entry_key, kind=_TYPE_WORDS[value_type]
                )
            )
            continue
        violation = _rule_violation(entry, {**meta, "choices": meta.get("values")})
        if violation:
            phrase, values = violation
            problems.append(
                ConfigProblem.of(
                    entry_key, f"{phrase}_ignored", key=entry_key, value=_show(entry), **values
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


def _rule_violation(
    value: Any, meta: typing.Mapping[str, Any]
) -> tuple[str, dict[str, object]] | None:
    """The rule `value` breaks, as its sentence's key and that sentence's values; None if none."""
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        return "not_choice", {"choices": ", ".join(choices)}
    low, high = meta.get("min"), meta.get("max")
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if is_number and ((low is not None and value < low) or (high is not None and value > high)):
        return "out_of_range", {}
    return None


def _show(value: Any) -> object:
    """`value` as said: as written in TOML, or a word (`Word`) for the empty text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return f'"{value}"' if value else Word("config_words", "empty")
    return str(value)
