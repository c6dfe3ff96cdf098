"""The converter of the same llama.cpp the vest runs: from the llama-cpp-python sdist on PyPI.

llama-cpp-python 0.3.36 vendors llama.cpp (commit 0c1e57098) whole, converter included:
``vendor/llama.cpp/convert_hf_to_gguf.py``, its ``conversion/`` package, the ``gguf-py`` it
imports and its ``requirements/``. A converter of another llama.cpp commit can write tensors or
keys this runtime does not read, so the sdist of the pinned version is fetched the way pip
fetches any package (``pip download --no-binary :all:``, which reuses pip's cache), checked
against its sha256 on PyPI, and only those parts are unpacked. Never from git.
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
import tarfile
from pathlib import Path

from vestsight.errors import ModelFileError

from .recipes import SDIST_SHA256, SDIST_VERSION

_LOGGER = logging.getLogger(__name__)

PARTS = ("convert_hf_to_gguf.py", "conversion/", "gguf-py/", "requirements/", "LICENSE")
TIMEOUT = 1800


def archive_name(version: str = SDIST_VERSION) -> str:
    return f"llama_cpp_python-{version}.tar.gz"


def fetch_sdist(cache: Path, version: str = SDIST_VERSION, sha256: str = SDIST_SHA256) -> Path:
    """The sdist in `cache` (downloaded by pip unless there), checked against `sha256`."""
    archive = cache / archive_name(version)
    if not archive.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        _LOGGER.info("Fetching the llama-cpp-python %s sdist (the converter is in it)", version)
        command = [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--no-binary", ":all:", "--dest", str(cache), f"llama-cpp-python=={version}",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        if done.returncode != 0 or not archive.is_file():
            raise ModelFileError(
                f"pip could not download llama-cpp-python=={version}: {done.stderr.strip()[-500:]}",
                advice="check the network (PyPI must be reachable)",
            )
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != sha256:
        archive.unlink()
        raise ModelFileError(
            f"{archive.name} has sha256 {digest}, PyPI's is {sha256}",
            advice="the download was damaged or replaced; run the build again",
        )
    return archive


def unpack_converter(archive: Path, dest: Path, version: str = SDIST_VERSION) -> Path:
    """The converter's parts of `archive`'s llama.cpp, unpacked into ``dest/llama.cpp``."""
    tree = dest / "llama.cpp"
    stamp = dest / "unpacked"
    if stamp.is_file() and stamp.read_text() == archive.name and (tree / PARTS[0]).is_file():
        return tree
    prefix = f"llama_cpp_python-{version}/vendor/llama.cpp/"
    with tarfile.open(archive) as tar:
        members = []
        for member in tar.getmembers():
            relative = member.name.removeprefix(prefix)
            if member.name.startswith(prefix) and relative.startswith(PARTS) and member.isfile():
                member.name = relative
                members.append(member)
        if not any(member.name == PARTS[0] for member in members):
            raise ModelFileError(
                f"{archive.name} has no {prefix}{PARTS[0]}", advice="see its source"
            )
        tar.extractall(tree, members=members, filter="data")
    stamp.write_text(archive.name)
    return tree


def converter_tree(work: Path) -> Path:
    """Fetch (once) and unpack (once) the converter; returns its llama.cpp folder."""
    return unpack_converter(fetch_sdist(work / "sdist"), work)
