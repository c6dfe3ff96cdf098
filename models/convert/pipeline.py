"""`make gemma3n-vision`: Google's checkpoint -> checked, recorded GGUF files that see.

1. the converter of the runtime's own llama.cpp, from the llama-cpp-python sdist (`sdist`);
2. the checkpoint: downloaded with the maker's token (`hub`), or a local folder (``--from-dir``);
3. the maker venv (`makervenv`), then the text model in F16 and the vision projector
   (`converter`), in the work folder;
4. each quantization (Q4_0, Q4_K_M) by llama.cpp's quantizer;
5. every file checked (`checks`); only then moved into the models folder and recorded with its
   size and sha256 in the local manifest (`local_manifest`). The F16 intermediate is removed.

Run again, it does nothing when the recorded files are there and intact; an interrupted
download resumes, and an F16 intermediate of the same source is reused.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from vestsight.errors import ModelFileError
from vestsight.llm.manifest import DigestCache, check_against, default_manifest, load_manifests
from vestsight.llm.model_files import cache_dir

from . import checks, converter, local_manifest, sdist
from .hub import ENDPOINT, TOKENS_PAGE, Hub, download_checkpoint, token_from_env
from .makervenv import ensure_venv
from .recipes import DEFAULT_QUANTS, Quant, Recipe

_LOGGER = logging.getLogger(__name__)


NO_TOKEN = "No Hugging Face token (HF_TOKEN): the vest's seeing model cannot be made."


def no_token_message(recipe: Recipe) -> str:
    return f"{NO_TOKEN}\n{no_token_advice(recipe)}"


def no_token_advice(recipe: Recipe) -> str:
    return (
        f"  1. open {recipe.page} and accept Gemma's licence (log in first);\n"
        f"  2. create a read token at {TOKENS_PAGE};\n"
        "  3. export HF_TOKEN=hf_...   then run make models (or make gemma3n-vision) again.\n"
        "Without it make models fetches the published text-only Gemma 3n: the vest then\n"
        "describes from what it detects and reads, not from the image itself."
    )


@dataclass(frozen=True)
class Options:
    recipe: Recipe
    dest: Path
    """The models folder: the made files and ``manifest.local.toml`` go here."""
    work: Path
    """Downloads, the converter, the maker venv's intermediates and logs."""
    venv: Path
    from_dir: Path | None = None
    revision: str = "main"
    quants: tuple[Quant, ...] = DEFAULT_QUANTS
    threads: int = os.cpu_count() or 2
    torch_index: str = ""
    python: str = "python3.11"
    keep_intermediate: bool = False
    force: bool = False
    endpoint: str = ENDPOINT
    token: str | None = None
    """Default: HF_TOKEN or HUGGING_FACE_HUB_TOKEN from the environment."""


def _digests() -> DigestCache:
    return DigestCache(cache_dir() / "digests.json")  # the worker's: no second hash at start


def made_already(recipe: Recipe, quants: tuple[Quant, ...], dest: Path) -> bool:
    """The recipe's files are recorded in the local manifest and match it."""
    entries = {entry.name: entry for entry in load_manifests(default_manifest(), dest)}
    for name in [recipe.text_entry(quant) for quant in quants] + [recipe.projector_entry]:
        entry = entries.get(name)
        if entry is None or not entry.pinned or not (dest / entry.file).is_file():
            return False
        try:
            check_against(entry, dest / entry.file, _digests())
        except ModelFileError as err:
            _LOGGER.warning("%s: %s; making it again", name, err)
            return False
    return True


def token(opts: Options) -> str:
    """The maker's Hugging Face token; `ModelFileError` saying how to get one if there is none."""
    found = opts.token or token_from_env()
    if not found:
        raise ModelFileError(NO_TOKEN, advice=no_token_advice(opts.recipe))
    return found


def checkpoint(opts: Options) -> tuple[Path, str]:
    """(folder of the Hugging Face checkpoint, what it is)."""
    if opts.from_dir is not None:
        return opts.from_dir, f"local folder {opts.from_dir.name}"
    hub = Hub(opts.recipe.repo, token(opts), opts.endpoint)
    folder, commit = download_checkpoint(hub, opts.revision, opts.work / "hf")
    return folder, f"{opts.recipe.repo}@{commit}"


def make_vision(opts: Options) -> list[local_manifest.LocalEntry]:
    """Make, check and record the recipe's files; [] when they are already made."""
    recipe = opts.recipe
    if not opts.force and made_already(recipe, opts.quants, opts.dest):
        _LOGGER.info("Gemma 3n %s with vision is already made in %s", recipe.variant, opts.dest)
        return []
    if opts.from_dir is None:
        token(opts)  # before anything is fetched
    opts.work.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(opts.work).free
    if free < recipe.work_bytes:
        _LOGGER.warning("%.0f GB free in %s; the build may need up to %.0f GB", free / 1e9,
                        opts.work, recipe.work_bytes / 1e9)  # fmt: skip
    llama_cpp = sdist.converter_tree(opts.work)
    model_dir, source = checkpoint(opts)
    python = ensure_venv(opts.venv, python=opts.python, torch_index=opts.torch_index)
    build = opts.work / "build" / recipe.variant
    build.mkdir(parents=True, exist_ok=True)
    f16 = build / recipe.intermediate_file
    stamp = f16.with_name(f16.name + ".source")
    if not (f16.is_file() and stamp.is_file() and stamp.read_text() == source):
        converter.convert_text(python, llama_cpp, model_dir, f16, build / "convert-text.log")
        stamp.write_text(source)
    projector = converter.convert_projector(
        python, llama_cpp, model_dir, build / recipe.projector_file, build / "convert-mmproj.log"
    )
    for fact in checks.check_projector(projector, recipe):
        _LOGGER.info("%s: %s", projector.name, fact)
    made = [(projector, recipe.projector_entry, "F16", "")]
    for quant in opts.quants:
        target = converter.quantize(f16, build / recipe.text_file(quant), quant, opts.threads)
        for fact in checks.check_text_model(target, recipe, quant):
            _LOGGER.info("%s: %s", target.name, fact)
        made.append((target, recipe.text_entry(quant), quant.label, recipe.projector_entry))
    opts.dest.mkdir(parents=True, exist_ok=True)
    entries = []
    for path, name, label, paired in made:
        final = opts.dest / path.name
        shutil.move(path, final)
        entries.append(local_manifest.LocalEntry(
            name=name, file=final.name, size=final.stat().st_size,
            sha256=_digests().sha256(final), convert=recipe.name, quantization=label,
            source=source, projector=paired,
        ))  # fmt: skip
    where = local_manifest.record(opts.dest, entries)
    _LOGGER.info("Recorded %d files in %s", len(entries), where)
    if not opts.keep_intermediate:
        f16.unlink()
        stamp.unlink()
    return entries
