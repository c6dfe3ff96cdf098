"""Object models are checked before they load, and their answers tidied the same way.

A model file that `models/manifest.toml` lists must have the size and sha256 recorded there (the
digest is cached by modification time, so a 70 MB model is hashed once); a damaged or replaced
file is refused with a spoken error instead of loading garbage. A file the manifest does not
list (the maker's own model) loads unverified, with a warning.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..errors import ModelFileError
from ..llm.manifest import DigestCache, check_against, default_manifest, entry_for, load_manifest
from ..llm.model_files import cache_dir
from .detections import Detection
from .faults import ModelDamaged

_LOGGER = logging.getLogger(__name__)

SAME_THING = 0.8
"""Boxes of two classes overlapping this much (of the smaller) are one thing named twice."""


def check_listed(path: Path, manifest: Path | None = None) -> None:
    """`ModelDamaged` unless `path` matches its manifest entry; nothing if it has none."""
    manifest = manifest or default_manifest()
    try:
        entries = load_manifest(manifest) if manifest.is_file() else []
    except ModelFileError as err:
        _LOGGER.warning("Object model %s loaded unverified: %s", path.name, err)
        return
    entry = entry_for(path, entries)
    if entry is None or not entry.pinned:
        _LOGGER.warning("Object model %s is not pinned in %s: unverified", path.name, manifest)
        return
    try:
        check_against(entry, path, DigestCache(cache_dir() / "digests.json"))
    except (ModelFileError, OSError) as err:
        raise ModelDamaged(
            f"object model {path}: {err}", advice="reinstall it (make setup, or make models)"
        ) from err


def one_label_per_thing(found: list[Detection]) -> list[Detection]:
    """Drop the less certain of two names for one thing ("cup" and "bowl" for one mug)."""
    kept: list[Detection] = []
    for detection in sorted(found, key=lambda d: -d.score):
        if any(
            k.label != detection.label
            and k.box.overlap(detection.box) > SAME_THING
            and _similar_size(k, detection)
            for k in kept
        ):
            continue
        kept.append(detection)
    return kept


def _similar_size(a: Detection, b: Detection) -> bool:
    """A cup on a table overlaps the table wholly, but is not the same thing."""
    small, large = sorted((a.box.area, b.box.area))
    return large > 0 and small / large > 0.5
