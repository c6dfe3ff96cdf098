"""The layer format: layers/<name>/layer.toml, read strictly into a Layer.

Every table and key must be one that `TABLES` or `ARRAYS` names, every value of its kind: a
misspelled key is an error naming the file, the key and the keys allowed there, never a
setting silently left out of the image. How the layers of one image fit together (their
`requires`, the data partition's folders) is checked by `compose`.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .util import BuildError

STR, STRS, BOOL = "a string", "a list of strings", "true or false"
MODE = "a mode written in octal, like 0o750"
BY_BASE = "a table of lists of package names, one per base of base.toml"

TABLES: dict[str, dict[str, str]] = {
    "layer": {"name": STR, "description": STR, "requires": STRS},
    "packages": {"apt": STRS, "base": BY_BASE},
    "groups": {"system": STRS},
    "users": {"vestsight_groups": STRS},
    "units": {"enable": STRS, "disable": STRS, "mask": STRS},
    "boot": {"config": STRS, "cmdline": STRS},
    "files": {"empty_dirs": STRS},
}
"""[table] = its keys and what each holds."""

ARRAYS: dict[str, dict[str, str]] = {
    "accounts": {"name": STR, "comment": STR, "home": STR, "shell": STR, "groups": STRS,
                 "sudo_nopasswd": BOOL},
    "data_dirs": {"path": STR, "mode": MODE, "owner": STR, "group": STR},
    "bind_mounts": {"source": STR, "target": STR},
}  # fmt: skip
"""[[array]] of tables = the keys of each entry."""

REQUIRED: dict[str, tuple[str, ...]] = {
    "layer": ("name", "description"),
    "accounts": ("name", "home"),
    "data_dirs": ("path", "mode", "owner", "group"),
    "bind_mounts": ("source", "target"),
}


@dataclass(frozen=True)
class Account:
    name: str
    comment: str = ""
    home: str = ""
    shell: str = "/usr/sbin/nologin"
    groups: tuple[str, ...] = ()
    sudo_nopasswd: bool = False


@dataclass(frozen=True)
class DataDir:
    """A folder of the data partition: `path` relative to its root, made at build time and
    recreated at boot by systemd-tmpfiles if the partition was emptied."""

    path: str
    mode: int
    owner: str
    group: str


@dataclass(frozen=True)
class BindMount:
    """`target` in the root filesystem bound to `source`, a folder of the data partition."""

    source: str
    target: str


@dataclass(frozen=True)
class Layer:
    name: str
    path: Path
    description: str
    requires: tuple[str, ...] = ()
    apt: tuple[str, ...] = ()
    apt_by_base: dict[str, tuple[str, ...]] = field(default_factory=dict)
    groups: tuple[str, ...] = ()
    accounts: tuple[Account, ...] = ()
    vestsight_groups: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    mask: tuple[str, ...] = ()
    boot_config: tuple[str, ...] = ()
    cmdline: tuple[str, ...] = ()
    empty_dirs: tuple[str, ...] = ()
    data_dirs: tuple[DataDir, ...] = ()
    bind_mounts: tuple[BindMount, ...] = ()

    @property
    def files(self) -> Path:
        return self.path / "files"

    @property
    def source(self) -> str:
        """layers/<name>/layer.toml, as errors name it."""
        return f"{self.path.parent.name}/{self.path.name}/layer.toml"

    def packages(self, base: str) -> tuple[str, ...]:
        return self.apt + self.apt_by_base.get(base, ())


def load_layer(path: Path) -> Layer:
    source = f"{path.parent.name}/{path.name}/layer.toml"
    if not (path / "layer.toml").is_file():
        raise BuildError(f"no layer {path.name}: {source} does not exist")
    try:
        data = tomllib.loads((path / "layer.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise BuildError(f"{source}: {err}") from err
    check_layer_data(data, source)
    meta = data["layer"]
    if meta["name"] != path.name:
        raise BuildError(f"{source}: [layer] name must be {path.name!r}, the folder's name")
    packages, units, boot = data.get("packages", {}), data.get("units", {}), data.get("boot", {})
    layer = Layer(
        name=path.name,
        path=path,
        description=meta["description"],
        requires=tuple(meta.get("requires", ())),
        apt=tuple(packages.get("apt", ())),
        apt_by_base={base: tuple(names) for base, names in packages.get("base", {}).items()},
        groups=tuple(data.get("groups", {}).get("system", ())),
        accounts=tuple(Account(**_tuples(item)) for item in data.get("accounts", ())),
        vestsight_groups=tuple(data.get("users", {}).get("vestsight_groups", ())),
        enable=tuple(units.get("enable", ())),
        disable=tuple(units.get("disable", ())),
        mask=tuple(units.get("mask", ())),
        boot_config=tuple(boot.get("config", ())),
        cmdline=tuple(boot.get("cmdline", ())),
        empty_dirs=tuple(data.get("files", {}).get("empty_dirs", ())),
        data_dirs=tuple(DataDir(**item) for item in data.get("data_dirs", ())),
        bind_mounts=tuple(BindMount(**item) for item in data.get("bind_mounts", ())),
    )
    check_paths(layer)
    return layer


def _tuples(item: dict[str, Any]) -> dict[str, Any]:
    return {key: tuple(value) if isinstance(value, list) else value for key, value in item.items()}


def check_layer_data(data: Mapping[str, Any], source: str) -> None:
    """Raise BuildError on the first unknown table or key, missing key or wrong value."""
    allowed_tables = [f"[{name}]" for name in TABLES] + [f"[[{name}]]" for name in ARRAYS]
    for name, value in data.items():
        if name in TABLES:
            if not isinstance(value, dict):
                raise BuildError(f"{source}: {name} must be a [{name}] table")
            check_table(value, TABLES[name], f"[{name}]", source)
        elif name in ARRAYS:
            if not isinstance(value, list):
                raise BuildError(f"{source}: {name} must be [[{name}]] tables, one per entry")
            for number, item in enumerate(value, 1):
                check_table(item, ARRAYS[name], f"[[{name}]] #{number}", source)
        else:
            raise BuildError(
                f"{source}: unknown table or key {name!r} at the top level{_belongs(name)}; "
                f"allowed: {', '.join(allowed_tables)}"
            )
    if "layer" not in data:
        raise BuildError(f"{source}: no [layer] table (name, description)")
    for name, keys in REQUIRED.items():
        entries = data.get(name, []) if name in ARRAYS else [data.get(name, {})]
        for number, item in enumerate(entries, 1):
            missing = [key for key in keys if key not in item]
            if missing:
                where = f"[[{name}]] #{number}" if name in ARRAYS else f"[{name}]"
                raise BuildError(f"{source}: {where} lacks {', '.join(missing)}")


def check_table(table: Any, allowed: Mapping[str, str], where: str, source: str) -> None:
    if not isinstance(table, dict):
        raise BuildError(f"{source}: {where} must be a table")
    for key, value in table.items():
        if key not in allowed:
            raise BuildError(
                f"{source}: unknown key {key!r} in {where}{_did_you_mean(key, allowed)}; "
                f"allowed keys: {', '.join(allowed)}"
            )
        if not _is_kind(value, allowed[key]):
            raise BuildError(f"{source}: {where} {key} must be {allowed[key]}, not {value!r}")


def _is_kind(value: Any, kind: str) -> bool:
    if kind == STR:
        return isinstance(value, str)
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == MODE:
        return type(value) is int and 0 <= value <= 0o7777
    if kind == BY_BASE:
        return isinstance(value, dict) and all(_is_kind(item, STRS) for item in value.values())
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _belongs(name: str) -> str:
    """Where a key found at the top level belongs, or the table name it is close to."""
    for table, keys in TABLES.items():
        if name in keys:
            return f" (it belongs in [{table}])"
    for array, keys in ARRAYS.items():
        if name in keys:
            return f" (it belongs in [[{array}]])"
    return _did_you_mean(name, TABLES, ARRAYS)


def _did_you_mean(key: str, *choices: Mapping[str, object]) -> str:
    names = [name for group in choices for name in group]
    close = difflib.get_close_matches(key, names, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_paths(layer: Layer) -> None:
    """Data partition paths are relative and plain; root paths absolute and plain."""
    for item in layer.data_dirs:
        _plain(item.path, absolute=False, what="[[data_dirs]] path", source=layer.source)
    for mount in layer.bind_mounts:
        _plain(mount.source, absolute=False, what="[[bind_mounts]] source", source=layer.source)
        _plain(mount.target, absolute=True, what="[[bind_mounts]] target", source=layer.source)
    for path in layer.empty_dirs:
        _plain(path, absolute=True, what="[files] empty_dirs", source=layer.source)


def _plain(path: str, *, absolute: bool, what: str, source: str) -> None:
    pure = PurePosixPath(path)
    plain = str(pure) == path and ".." not in pure.parts and path not in ("", ".", "/")
    if not plain or pure.is_absolute() != absolute:
        kind = "absolute (like /var/lib/x)" if absolute else "relative to the data partition"
        raise BuildError(f"{source}: {what} {path!r} must be {kind}, without . or ..")
