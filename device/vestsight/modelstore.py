"""Fetch and verify the model files listed in `models/manifest.toml`.

``python -m vestsight.modelstore fetch`` (``make models``) downloads the entries marked default
(or those named) into the models folder, resuming a partial download, and refuses a file whose
size or sha256 does not match: it is deleted and the command fails, naming the file. ``verify``
checks what is there without downloading. Nothing fetches models at run time: the maker's
build does it once.

Entries with ``convert`` are made by the maker's build (``make gemma3n-vision``), not
downloaded; the models folder's ``manifest.local.toml`` supplies their digests, so ``verify``
checks them like any other file. When such a seeing model is there, the published text-only
description model marked default is not fetched: the vest has no use for it.
"""

from __future__ import annotations

import argparse
import logging
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO

from .errors import ModelFileError
from .llm.manifest import (
    ModelEntry,
    check_against,
    default_manifest,
    load_manifests,
    sha256_of,
)
from .llm.model_files import cache_dir

_LOGGER = logging.getLogger(__name__)

CHUNK = 1 << 20
Opener = Callable[[urllib.request.Request], IO[bytes]]


def verify(entry: ModelEntry, folder: Path) -> Path:
    """The entry's file in `folder`; `ModelFileError` if missing or not the listed file."""
    path = folder / entry.file
    if not path.is_file():
        raise ModelFileError(f"{path} is missing", advice="run make models")
    check_against(entry, path)
    return path


def fetch(
    entry: ModelEntry,
    folder: Path,
    opener: Opener = urllib.request.urlopen,
    *,
    pin: bool = False,
) -> Path:
    """Download `entry` into `folder` (resuming a partial file) and verify it.

    An unpinned entry (no sha256) is refused unless `pin`: then it is downloaded and its size
    and sha256 are printed, to be recorded in the manifest once its source is trusted.
    """
    path = folder / entry.file
    if entry.convert:
        return _made(entry, folder)
    if not entry.pinned and not pin:
        raise ModelFileError(
            f"{entry.name} is not pinned (no sha256 in the manifest)",
            advice="fetch it with PIN=1, check its source, and record the sha256 it prints",
        )
    if path.is_file():
        _check_or_pin(entry, path)
        return path
    if not entry.url:
        raise ModelFileError(f"{entry.file} has no URL in the manifest", advice="see its source")
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    have = partial.stat().st_size if partial.exists() else 0
    request = urllib.request.Request(entry.url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        with opener(request) as response, partial.open("ab" if have else "wb") as out:
            status = getattr(response, "status", 200)
            if have and status != 206:
                out.truncate(0)  # the server ignored the range: start again
                _LOGGER.info("%s: server does not resume, downloading again", entry.file)
            while block := response.read(CHUNK):
                out.write(block)
    except (urllib.error.URLError, OSError) as err:
        raise ModelFileError(
            f"cannot download {entry.file}: {err}",
            advice="check the network; run make models again to resume",
        ) from err
    try:
        _check_or_pin(entry, partial)
    except ModelFileError:
        partial.unlink()
        raise
    partial.rename(path)
    return path


def _made(entry: ModelEntry, folder: Path) -> Path:
    """A file the maker's build converts: there and recorded, or a `ModelFileError` saying how."""
    if not entry.pinned or not (folder / entry.file).is_file():
        raise ModelFileError(
            f"{entry.file} is made by the maker's build ({entry.convert}), not downloaded",
            advice="export HF_TOKEN=... and run make gemma3n-vision (see models/README.md)",
        )
    return verify(entry, folder)


def made_vision_models(entries: list[ModelEntry], folder: Path) -> list[ModelEntry]:
    """Converted models with a projector whose files are there and recorded (not verified)."""
    return [
        e for e in entries
        if e.convert and e.projector and e.pinned and (folder / e.file).is_file()
    ]  # fmt: skip


def default_entries(entries: list[ModelEntry], folder: Path) -> list[ModelEntry]:
    """What ``make models`` fetches without names: the entries marked default, but no
    text-only description model (a default GGUF) when a seeing model was made."""
    chosen = [e for e in entries if e.default]
    if made := made_vision_models(entries, folder):
        _LOGGER.info("%s sees: the text-only description model is not fetched", made[0].file)
        chosen = [e for e in chosen if not e.file.endswith(".gguf")]
    return chosen


def _check_or_pin(entry: ModelEntry, path: Path) -> None:
    if entry.pinned:
        check_against(entry, path)
        return
    print(f'[{entry.name}] size = {path.stat().st_size}\nsha256 = "{sha256_of(path)}"')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("fetch", "verify"))
    parser.add_argument("names", nargs="*", help="these entries (default: those marked default)")
    parser.add_argument("--pin", action="store_true", help="fetch unpinned entries too")
    parser.add_argument("--manifest", type=Path, default=default_manifest())
    parser.add_argument("--dest", type=Path, default=None, help="default: the models cache")
    args = parser.parse_intermixed_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    folder = args.dest or cache_dir()
    try:
        listed = load_manifests(args.manifest, folder)
    except ModelFileError as err:
        _LOGGER.error("%s", err)
        return 1
    if args.names:
        entries = [e for e in listed if e.name in args.names]
    else:
        entries = default_entries(listed, folder)
    if unknown := set(args.names) - {e.name for e in entries}:
        _LOGGER.error("Not in %s: %s", args.manifest, ", ".join(sorted(unknown)))
        return 1
    failed = 0
    for entry in entries:
        try:
            if args.action == "fetch":
                path = fetch(entry, folder, pin=args.pin)
            else:
                path = verify(entry, folder)
        except ModelFileError as err:
            _LOGGER.error("%s: %s", entry.name, err)
            failed += 1
            continue
        _LOGGER.info("%s: %s OK", entry.name, path)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
