"""``make gemma3n-vision-selftest``: the maker's path end to end, on a random-weight checkpoint.

Google's weights cannot be downloaded here, so the self-test writes a Hugging Face checkpoint
of Gemma 3n with random weights (`checkpoint`: the real vision and audio towers and vocabulary,
a 4-layer text decoder of E2B's width), then runs exactly what ``make gemma3n-vision`` runs
after its download: the converter from the llama-cpp-python sdist in the maker venv, the
quantizer, the checks, the local manifest. Then it verifies the made files the way the worker
does (merged manifests, size and sha256), and loads each text model with its projector in
llama.cpp + mtmd, encodes a real photo and generates a few tokens (`see`, in a child process, so
an abort inside llama.cpp is reported, not fatal). Not part of ``make test``: it installs PyTorch
and takes minutes.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from vestsight.errors import ModelFileError
from vestsight.llm.manifest import default_manifest, load_manifests
from vestsight.llm.model_files import (
    cache_dir,
    listed_models,
    projector_path,
    small_model_path,
    verify_listed,
)
from vestsight.llm.projector_check import check_projector
from vestsight.modelstore import verify

from .. import sdist
from ..makervenv import ensure_venv
from ..pipeline import Options, make_vision
from ..recipes import DEFAULT_QUANTS, RECIPES, Recipe

_LOGGER = logging.getLogger("models.convert.selftest")

REPO = Path(__file__).resolve().parents[3]
SELFTEST_REQUIREMENTS = REPO / "models" / "convert" / "requirements-selftest.txt"
TIMES: dict[str, float] = {}


@contextmanager
def timed(step: str) -> Iterator[None]:
    _LOGGER.info("== %s", step)
    started = time.monotonic()
    yield
    TIMES[step] = time.monotonic() - started
    _LOGGER.info("== %s: %.0f s", step, TIMES[step])


def run(command: list[str], *, env: dict[str, str] | None = None, timeout: float = 3600) -> str:
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip
    if done.returncode != 0:
        raise ModelFileError(f"{' '.join(command[:4])} ... failed ({done.returncode}):\n"
                             f"{done.stderr.strip()[-3000:]}")  # fmt: skip
    return done.stdout


def write_checkpoint(python: Path, llama_cpp: Path, work: Path, text: str) -> Path:
    """The random-weight checkpoint (made once per text size), timm beside it for the writer."""
    folder = work / f"checkpoint-{text}"
    if (folder / "model.safetensors.index.json").is_file():
        return folder
    timm = work / "timm"
    if not (timm / "timm").is_dir():
        run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(timm),
             "--requirement", str(SELFTEST_REQUIREMENTS)])  # fmt: skip
    env = os.environ | {"PYTHONPATH": str(timm)}
    partial = folder.with_name(folder.name + ".part")
    run([str(python), "-m", "models.convert.selftest.checkpoint", "--out", str(partial),
         "--vocab-gguf", str(small_model_path()), "--gguf-py", str(llama_cpp / "gguf-py"),
         "--text", text], env=env)  # fmt: skip
    partial.rename(folder)
    return folder


def worker_checks(dest: Path, recipe: Recipe) -> None:
    """The worker's own steps before loading: the model's entry, its paired projector beside
    it, and the projector's header against the model (type, width, completeness)."""
    listed = listed_models(default_manifest(), dest)
    for quant in DEFAULT_QUANTS:
        model = dest / recipe.text_file(quant)
        entry = verify_listed(model, listed)
        projector = projector_path("", model, entry, listed)
        if projector is None or projector.name != recipe.projector_file:
            raise ModelFileError(f"the worker finds no projector for {model.name}")
        check_projector(projector, "gemma3n", recipe.n_embd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--work", type=Path, default=cache_dir().parent / "convert-selftest")
    parser.add_argument("--venv", type=Path, default=cache_dir().parent / "convert" / "venv")
    parser.add_argument("--torch-index", default="")
    parser.add_argument("--text", choices=("small", "e2b"), default="small")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.monotonic()
    recipe = RECIPES["e2b"]  # --text e2b: E2B's real sizes, checked against the recipe's ranges
    if args.text == "small":
        recipe = replace(recipe, text_bytes=None)  # 4 of E2B's 30 layers: a smaller file
    dest = args.work / "models"
    try:
        with timed("converter from the llama-cpp-python sdist"):
            llama_cpp = sdist.converter_tree(args.work)
        with timed("maker venv"):
            python = ensure_venv(args.venv, torch_index=args.torch_index)
        with timed("random-weight checkpoint"):
            folder = write_checkpoint(python, llama_cpp, args.work, args.text)
        with timed("convert, quantize, check, record (make gemma3n-vision --from-dir)"):
            made = make_vision(Options(recipe=recipe, dest=dest, work=args.work, venv=args.venv,
                                       from_dir=folder, threads=args.threads, force=True,
                                       torch_index=args.torch_index))  # fmt: skip
        with timed("verify as the worker does (merged manifests, paired projector, its header)"):
            entries = {e.name: e for e in load_manifests(default_manifest(), dest)}
            for entry in made:
                verify(entries[entry.name], dest)
            worker_checks(dest, recipe)
        results = {}
        for quant in DEFAULT_QUANTS:
            with timed(f"llama.cpp + mtmd: {quant.label} sees a photo"):
                out = run([sys.executable, "-m", "models.convert.selftest.see",
                           str(dest / recipe.text_file(quant)), str(dest / recipe.projector_file),
                           "--threads", str(args.threads)], timeout=1800)  # fmt: skip
                results[quant.label] = json.loads(out.strip().splitlines()[-1])
    except ModelFileError as err:
        _LOGGER.error("SELF-TEST FAILED: %s", err)
        return 1
    _LOGGER.info("\nSELF-TEST PASSED in %.0f s", time.monotonic() - started)
    for entry in made:
        _LOGGER.info("  %s  %.3f GB  sha256 %s", entry.file, entry.size / 1e9, entry.sha256)
    for label, result in results.items():
        _LOGGER.info("  %s: %s", label, result)
    for step, seconds in TIMES.items():
        _LOGGER.info("  %-70s %6.0f s", step, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
