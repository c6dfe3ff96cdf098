"""Build a Gemma 3n GGUF with the real architecture and tensor shapes but random weights.

Why: the real Gemma 3n weights cannot be downloaded on the development machines, CI or here,
yet the worker must be measured on the real architecture (per-layer embeddings, AltUp, LAuReL,
KV sharing, sliding-window layers). llama.cpp's speed and memory do not depend on the weight
values, only on the shapes and the quantization types, so a file with the real shapes, the real
metadata and random values measures what the real model would cost. Its answers are gibberish.

How (the parts live in ``random_gemma3n_text``, ``random_gemma3n_vocab`` and ``gguf_random``):

1. An F16 GGUF is written with the ``gguf`` package, tensor by tensor and in chunks, so memory
   stays low although the file is ~9 GB. Each tensor has its own generator seeded from
   ``--seed`` and its name, so the output is reproducible.
2. The tokenizer is the real Gemma 3 SentencePiece vocabulary (Gemma 3n uses the same 262,144
   pieces), read from the development model the project already ships (Gemma 3 270M), padded to
   Gemma 3n's 262,400 ids with its image and audio tokens at their real ids; without that model
   a synthetic vocabulary with byte tokens is used (it tokenizes text into far more tokens).
3. llama.cpp's own quantizer (``llama_model_quantize`` through llama-cpp-python) turns it into
   Q4_0 (or another type), so the tensor type mix is exactly the one a real Q4_0 file has.

Usage::

    python -m tests.bench.random_gemma3n --out /tmp/gemma-3n-E2B-random-Q4_0.gguf
    python -m tests.bench.random_gemma3n --out /tmp/smoke.gguf --layers 4 --check
    python -m tests.bench.random_gemma3n --out /tmp/gemma-3n-E2B-random-Q4_0.gguf --check-only

``--check`` loads the result in a fresh process and generates a few tokens, printing the load
time, prompt and generation tokens/s and that process's peak RSS. The vision projector that goes
with it: ``random_gemma3n_pair``.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tests.bench.gguf_random import tensor_type_counts
from tests.bench.process_memory import peak_rss_mb
from tests.bench.random_gemma3n_text import VARIANTS, Hparams, write_f16_gguf
from tests.bench.random_gemma3n_vocab import Vocab, load_vocab

_LOGGER = logging.getLogger(__name__)

QUANT_BUF_BYTES = 1 << 30  # rows llama.cpp's quantizer keeps in memory at once
QUANT_FTYPES = {"q4_0": 2, "q8_0": 7, "q4_k_m": 15}  # llama_ftype: LLAMA_FTYPE_MOSTLY_*


def quantize(source: Path, target: Path, ftype: int, threads: int) -> None:
    """llama.cpp's own quantizer with `llama-quantize`'s defaults (only its buffer is smaller)."""
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.nthread = threads
    params.ftype = ftype
    params.max_buf_size = QUANT_BUF_BYTES
    _LOGGER.info("Quantizing %s -> %s (llama_ftype %d, %d threads)", source, target, ftype, threads)
    started = time.monotonic()
    status = llama_cpp.llama_model_quantize(
        str(source).encode(), str(target).encode(), ctypes.byref(params)
    )
    if status != 0:
        raise RuntimeError(f"llama_model_quantize failed with status {status}")
    _LOGGER.info("Quantized in %.0f s", time.monotonic() - started)


def build_text_model(
    out: Path,
    hp: Hparams,
    vocab: Vocab,
    *,
    seed: int = 0,
    quant: str = "q4_0",
    threads: int = 2,
    keep_f16: bool = False,
) -> None:
    """Write `out`: F16 directly, or an F16 file next to it that is quantized, then removed.

    The file appears under its name only when complete (a `.part` file is renamed).
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    if quant == "f16":
        write_f16_gguf(part, hp, vocab, seed, quant)
    else:
        f16 = out.with_name(out.stem + ".f16.gguf")
        write_f16_gguf(f16, hp, vocab, seed, quant)
        try:
            quantize(f16, part, QUANT_FTYPES[quant], threads)
        finally:
            if not keep_f16:
                f16.unlink(missing_ok=True)
    part.replace(out)


def build(args: argparse.Namespace, hp: Hparams) -> None:
    out: Path = args.out
    vocab = load_vocab(args.vocab_from)
    _LOGGER.info("Gemma 3n %s, vocabulary from %s", hp.label, vocab.source)
    build_text_model(
        out,
        hp,
        vocab,
        seed=args.seed,
        quant=args.quant,
        threads=args.threads,
        keep_f16=args.keep_f16,
    )
    counts = ", ".join(f"{name} {n}" for name, n in sorted(tensor_type_counts(out).items()))
    print(f"{out}  {out.stat().st_size / 1e9:.3f} GB  tensors: {counts}")


def check_generation(path: Path, n_ctx: int, threads: int, n_predict: int) -> dict[str, float]:
    """Load `path`, run a short prompt and `n_predict` tokens; timings and this process's RSS."""
    from llama_cpp import Llama

    started = time.perf_counter()
    llm = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads, seed=1, verbose=True)
    load_s = time.perf_counter() - started
    prompt = "<start_of_turn>user\nDescribe what is in front of me, briefly.<end_of_turn>\n"
    tokens = llm.tokenize((prompt + "<start_of_turn>model\n").encode(), special=True)
    started = time.perf_counter()
    llm.eval(tokens)
    prompt_s = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(n_predict):
        llm.eval([llm.sample(temp=0.8)])
    gen_s = time.perf_counter() - started
    return {
        "load_s": round(load_s, 2),
        "prompt_tokens": len(tokens),
        "prompt_tok_s": round(len(tokens) / prompt_s, 2),
        "generated_tokens": n_predict,
        "gen_tok_s": round(n_predict / gen_s, 2),
        "peak_rss_mib": round(peak_rss_mb(), 1),
    }


def run_check_in_child(path: Path, n_ctx: int, threads: int, n_predict: int) -> int:
    """`--check-only` in a fresh interpreter, so the peak RSS is the model's alone."""
    command = [sys.executable, "-m", "tests.bench.random_gemma3n", "--out", str(path)]
    command += ["--check-only", "--ctx", str(n_ctx), "--threads", str(threads)]
    command += ["--predict", str(n_predict)]
    return subprocess.run(command, check=False, cwd=Path(__file__).resolve().parents[2]).returncode


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True, help="the GGUF file to write")
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="e2b")
    parser.add_argument("--quant", choices=[*sorted(QUANT_FTYPES), "f16"], default="q4_0")
    parser.add_argument("--layers", type=int, help="fewer layers, for a quick smoke file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--vocab-from",
        metavar="GGUF|synthetic",
        help="tokenizer source (default: the Gemma 3 270M development model's vocabulary)",
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--keep-f16", action="store_true", help="keep the intermediate F16 file")
    parser.add_argument("--check", action="store_true", help="then load it and generate")
    parser.add_argument("--check-only", action="store_true", help="only load --out and generate")
    parser.add_argument("--ctx", type=int, default=2048, help="n_ctx of the check")
    parser.add_argument("--predict", type=int, default=32, help="tokens the check generates")
    args = parser.parse_args(argv)
    if args.layers is not None and not 1 <= args.layers <= VARIANTS[args.variant].n_layer:
        parser.error(f"--layers must be 1..{VARIANTS[args.variant].n_layer}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    args = parse_args(argv)
    if args.check_only:
        result = check_generation(args.out, args.ctx, args.threads, args.predict)
        print(json.dumps(result))
        return 0
    hp = VARIANTS[args.variant]
    if args.layers is not None:
        hp = hp.with_layers(args.layers)
    build(args, hp)
    if args.check:
        return run_check_in_child(args.out, args.ctx, args.threads, args.predict)
    return 0


if __name__ == "__main__":
    sys.exit(main())
