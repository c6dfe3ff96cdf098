"""``python -m models.convert``: make Gemma 3n that sees, from Google's checkpoint.

    python -m models.convert vision [--variant e2b|e4b] [--revision REV] [--from-dir DIR]
    python -m models.convert token      # is a Hugging Face token set? (says what to do if not)
    python -m models.convert check FILE...

``make gemma3n-vision`` runs ``vision``; ``make models`` runs it when ``token`` succeeds.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path

from vestsight.errors import ModelFileError
from vestsight.llm.model_files import cache_dir

from . import checks
from .hub import token_from_env
from .pipeline import NO_TOKEN, Options, make_vision, no_token_message
from .recipes import DEFAULT_QUANTS, DEFAULT_VARIANT, QUANTS, RECIPES

_LOGGER = logging.getLogger("models.convert")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m models.convert", description=__doc__.split("\n")[0]
    )
    commands = top.add_subparsers(dest="command", required=True)
    vision = commands.add_parser("vision", help="download, convert, quantize, check, record")
    vision.add_argument("--variant", choices=sorted(RECIPES), default=DEFAULT_VARIANT)
    vision.add_argument(
        "--dest", type=Path, default=None, help="models folder (default: the cache)"
    )
    vision.add_argument("--work", type=Path, default=None, help="downloads and intermediates")
    vision.add_argument("--venv", type=Path, default=None, help="maker venv (default: WORK/venv)")
    vision.add_argument(
        "--from-dir", type=Path, default=None, help="a local checkpoint: no download"
    )
    vision.add_argument(
        "--revision", default="main", help="branch, tag or commit of the repository"
    )
    vision.add_argument("--quant", action="append", choices=sorted(QUANTS), default=None)
    vision.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    vision.add_argument("--torch-index", default="", help="PyTorch's CPU wheel index (TORCH_INDEX)")
    vision.add_argument("--python", default="python3.11", help="Python that makes the maker venv")
    vision.add_argument("--keep-intermediate", action="store_true", help="keep the F16 text model")
    vision.add_argument("--force", action="store_true", help="make it again even if made")
    token = commands.add_parser("token", help="exit 0 if HF_TOKEN is set; else say what to do")
    token.add_argument("--variant", choices=sorted(RECIPES), default=DEFAULT_VARIANT)
    check = commands.add_parser("check", help="check made GGUF files")
    check.add_argument("--variant", choices=sorted(RECIPES), default=DEFAULT_VARIANT)
    check.add_argument("files", type=Path, nargs="+")
    return top


def options(args: argparse.Namespace) -> Options:
    dest = args.dest or cache_dir()
    work = args.work or dest.parent / "convert"
    quants = tuple(QUANTS[label] for label in args.quant) if args.quant else DEFAULT_QUANTS
    return Options(
        recipe=RECIPES[args.variant], dest=dest, work=work, venv=args.venv or work / "venv",
        from_dir=args.from_dir, revision=args.revision, quants=quants,
        threads=args.threads, torch_index=args.torch_index, python=args.python,
        keep_intermediate=args.keep_intermediate, force=args.force,
    )  # fmt: skip


def check_files(files: list[Path], variant: str) -> int:
    recipe = replace(RECIPES[variant], text_bytes=None, projector_bytes=None)
    failed = 0
    for path in files:
        try:
            projector = path.name.startswith("mmproj")
            facts = (checks.check_projector if projector else checks.check_text_model)(path, recipe)
        except ModelFileError as err:
            _LOGGER.error("%s", err)
            failed += 1
            continue
        for fact in facts:
            _LOGGER.info("%s: %s", path.name, fact)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.command == "token":
        if token_from_env():
            return 0
        _LOGGER.warning("%s", no_token_message(RECIPES[args.variant]))
        return 1
    if args.command == "check":
        return check_files(args.files, args.variant)
    try:
        made = make_vision(options(args))
    except ModelFileError as err:
        _LOGGER.error("Gemma 3n with vision was not made: %s", err.message)
        if err.advice:
            _LOGGER.error("%s", err.advice)
        if err.message != NO_TOKEN:
            _LOGGER.error("(make models without HF_TOKEN fetches the text-only model instead)")
        return 1
    for entry in made:
        _LOGGER.info("%s: %s (%.2f GB, sha256 %s)", entry.name, entry.file, entry.size / 1e9,
                     entry.sha256)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
