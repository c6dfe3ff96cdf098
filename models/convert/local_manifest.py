"""Record the files the maker's build made in the models folder's ``manifest.local.toml``.

The repository manifest lists the converted files with ``sha256 = ""``: their digests exist only
once the maker has made them. This file, beside the models, supplies them with the same
``[[model]]`` schema; `vestsight.llm.manifest.load_manifests` merges it over the repository's
entries of the same name, so the worker checks a converted file like a downloaded one, and the
image build copies it onto the card. Entries of other names already in the file are kept (an
E4B build does not forget the E2B one); the file is replaced atomically.
"""

from __future__ import annotations

import json
import os
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from vestsight.errors import ModelFileError
from vestsight.llm.manifest import LOCAL_MANIFEST

HEADER = """\
# Made by `make gemma3n-vision` (models/convert): the files converted here from Google's
# checkpoint, with their sizes and sha256 digests. Entries of the same name in
# models/manifest.toml take these values; the worker and `make image` check the files by them.
# Written by the build: convert again rather than edit.
"""


@dataclass(frozen=True)
class LocalEntry:
    name: str
    file: str
    size: int
    sha256: str
    convert: str
    quantization: str
    source: str
    """Where it was converted from: repository and commit (or the local folder)."""
    projector: str = ""


def _toml(value: str | int) -> str:
    return str(value) if isinstance(value, int) else json.dumps(value, ensure_ascii=False)


def render(entry: LocalEntry, made: str) -> str:
    lines = ["[[model]]"]
    for key in ("name", "file", "size", "sha256", "projector", "convert", "quantization",
                "source"):  # fmt: skip
        value = getattr(entry, key)
        if value != "":
            lines.append(f"{key} = {_toml(value)}")
    lines.append(f"made = {_toml(made)}")
    return "\n".join(lines) + "\n"


def _kept(path: Path, replaced: set[str]) -> list[str]:
    """The other entries already in `path`, rendered again."""
    if not path.is_file():
        return []
    try:
        items = tomllib.loads(path.read_text(encoding="utf-8")).get("model", [])
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ModelFileError(
            f"cannot read {path}: {err}", advice=f"move {path.name} away and convert again"
        ) from err
    kept = []
    for item in items:
        if item.get("name") in replaced:
            continue
        lines = ["[[model]]"] + [f"{key} = {_toml(value)}" for key, value in item.items()
                                 if isinstance(value, str | int)]  # fmt: skip
        kept.append("\n".join(lines) + "\n")
    return kept


def record(folder: Path, entries: list[LocalEntry]) -> Path:
    """Write `entries` into `folder`'s local manifest, keeping other names; returns its path."""
    path = folder / LOCAL_MANIFEST
    made = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    blocks = _kept(path, {entry.name for entry in entries})
    blocks += [render(entry, made) for entry in entries]
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(HEADER + "\n" + "\n".join(blocks), encoding="utf-8")
    os.replace(temporary, path)
    return path
