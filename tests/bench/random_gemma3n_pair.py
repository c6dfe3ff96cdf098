"""A random-weight Gemma 3n text model and the vision projector that goes with it.

Two sizes:
- ``tiny``, for tests: the whole Gemma 3n architecture shrunk (``random_gemma3n_text.TINY``,
  ``random_mobilenetv5.TINY``), F16, a synthetic vocabulary holding the image tokens; both
  files together are about 2.5 MB and build in a fraction of a second. Images are
  still 768x768, as for the real model, so mtmd's preprocessing is the real one.
- ``e2b``, for the benchmark: Gemma 3n E2B's text model in Q4_0 with the Gemma 3 vocabulary
  (``random_gemma3n``, ~3.2 GB; ~4 minutes and ~9 GB of temporary disk on 2 cores) and the
  full MobileNet-V5-300M projector in F16 (~600 MB).

`build_vision_pair` reuses a file whose recipe (kept in the file, see ``gguf_random``) matches
what it would build, so a session fixture can call it every time; a file built by
``python -m tests.bench.random_gemma3n`` with the same parameters counts. Files appear under
their names only when complete, and a lock file keeps two processes from building at once.

Usage::

    python -m tests.bench.random_gemma3n_pair --size tiny --out-dir /tmp/pair --check
    python -m tests.bench.random_gemma3n_pair --size e2b --out-dir ~/.cache/vestsight/models
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench.gguf_random import read_recipe
from tests.bench.random_gemma3n import build_text_model
from tests.bench.random_gemma3n_text import TINY as TINY_TEXT
from tests.bench.random_gemma3n_text import VARIANTS, Hparams, sized, text_recipe
from tests.bench.random_gemma3n_vocab import Vocab, default_vocab, tiny_vocab
from tests.bench.random_mobilenetv5 import E2B as E2B_VISION
from tests.bench.random_mobilenetv5 import TINY as TINY_VISION
from tests.bench.random_mobilenetv5 import VisionArch, projector_recipe, write_projector

_LOGGER = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class PairSize:
    text: Hparams
    vocab: Callable[[], Vocab]
    quant: str
    vision: VisionArch
    text_file: str
    mmproj_file: str


SIZES = {
    "tiny": PairSize(
        TINY_TEXT,
        tiny_vocab,
        "f16",
        TINY_VISION,
        "gemma-3n-tiny-random-F16.gguf",
        "mmproj-gemma-3n-tiny-random-F16.gguf",
    ),
    "e2b": PairSize(
        VARIANTS["e2b"],
        default_vocab,
        "q4_0",
        E2B_VISION,
        "gemma-3n-E2B-random-Q4_0.gguf",
        "mmproj-gemma-3n-E2B-random-F16.gguf",
    ),
}


def _is_built(path: Path, recipe: Mapping[str, Any]) -> bool:
    # JSON both ways: tuples become lists, as in the stored recipe.
    wanted: dict[str, Any] = json.loads(json.dumps(recipe, sort_keys=True))
    return read_recipe(path) == wanted


@contextmanager
def _locked(lock: Path) -> Iterator[None]:
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_vision_pair(
    out_dir: Path, size: str = "tiny", seed: int = 0, threads: int | None = None
) -> tuple[Path, Path]:
    """(text model, projector) in `out_dir`, built unless already there with these parameters."""
    spec = SIZES[size]
    out_dir.mkdir(parents=True, exist_ok=True)
    text_path, mmproj_path = out_dir / spec.text_file, out_dir / spec.mmproj_file
    with _locked(out_dir / f".random-gemma3n-{size}.lock"):
        base_vocab = spec.vocab()
        hp, vocab = sized(spec.text, base_vocab)
        if not _is_built(text_path, text_recipe(hp, vocab, seed, spec.quant)):
            started = time.monotonic()
            threads = threads or os.cpu_count() or 2
            build_text_model(
                text_path, spec.text, base_vocab, seed=seed, quant=spec.quant, threads=threads
            )
            _LOGGER.info("Built %s in %.1f s", text_path, time.monotonic() - started)
        if not _is_built(mmproj_path, projector_recipe(spec.vision, hp.n_embd, seed)):
            started = time.monotonic()
            part = mmproj_path.with_name(mmproj_path.name + ".part")
            write_projector(part, spec.vision, hp.n_embd, seed)
            part.replace(mmproj_path)
            _LOGGER.info("Built %s in %.1f s", mmproj_path, time.monotonic() - started)
    return text_path, mmproj_path


def check_in_child(text: Path, mmproj: Path, threads: int, timeout: float | None) -> dict[str, Any]:
    """``random_gemma3n_vision_check`` in a fresh interpreter; its JSON result."""
    command = [sys.executable, "-m", "tests.bench.random_gemma3n_vision_check"]
    command += ["--text", str(text), "--mmproj", str(mmproj), "--threads", str(threads)]
    done = subprocess.run(
        command, check=True, cwd=REPO, capture_output=True, text=True, timeout=timeout
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--check", action="store_true", help="then run a photo through them")
    args = parser.parse_args(argv)
    started = time.monotonic()
    paths = build_vision_pair(args.out_dir, args.size, args.seed, args.threads)
    print(f"ready in {time.monotonic() - started:.1f} s")
    for path in paths:
        print(f"{path}  {path.stat().st_size / 1e6:.2f} MB")
    if args.check:
        print(json.dumps(check_in_child(*paths, threads=args.threads, timeout=None)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
