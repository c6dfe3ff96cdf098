"""One photo through a Gemma 3n text model and vision projector with llama.cpp's mtmd, timed.

The calls are those of llama-cpp-python's ``MTMDChatHandler`` (0.3.36), made directly through
its ctypes bindings: ``mtmd_init_from_file`` with the loaded text model, the JPEG through
``mtmd_helper_bitmap_init_from_buf``, a prompt holding the media marker through
``mtmd_tokenize`` (text chunk, image chunk, text chunk), text chunks through ``Llama.eval`` and
the image chunk through ``mtmd_helper_eval_chunk_single`` (encode, then decode its embeddings);
then a few greedy tokens. Before that evaluation the image is also encoded alone
(``mtmd_encode_chunk``), to time the vision encoder by itself and look at its output.

Run it in a fresh process (it prints JSON) for a clean peak RSS and so a llama.cpp abort cannot
take the caller down::

    python -m tests.bench.random_gemma3n_vision_check --text T.gguf --mmproj P.gguf --threads 2
"""

from __future__ import annotations

import argparse
import ctypes
import importlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tests.bench.process_memory import peak_rss_mb

PROMPT = "<start_of_turn>user\n{marker}Describe what is in front of me.<end_of_turn>\n"
PROMPT += "<start_of_turn>model\n"


@dataclass
class ImageRun:
    """What one run saw and how long each step took (seconds)."""

    load_s: float = 0.0
    mtmd_init_s: float = 0.0
    chunks: list[tuple[str, int]] = field(default_factory=list)  # (kind, tokens) in order
    text_tokens: list[list[int]] = field(default_factory=list)  # each text chunk's tokens
    special: dict[str, int] = field(default_factory=dict)  # ids of bos and the image tokens
    encode_s: list[float] = field(default_factory=list)  # each standalone encode
    embd: dict[str, float] = field(default_factory=dict)  # n, finite share, mean |x|, std
    image_eval_s: float = 0.0  # mtmd_helper_eval_chunk_single: encode again, then decode
    text_eval_s: list[float] = field(default_factory=list)  # each text chunk's Llama.eval
    n_past: int = 0
    logits: dict[str, float] = field(default_factory=dict)  # after the prompt, as `embd`
    generated: list[int] = field(default_factory=list)
    generate_s: float = 0.0
    peak_rss_mib: float = 0.0


def photo_jpeg(quality: int = 90) -> bytes:
    """A real photo as JPEG bytes: scikit-image's astronaut (512x512), encoded by OpenCV."""
    import cv2

    data = importlib.import_module("skimage.data")  # untyped: keeps mypy --strict quiet
    ok, encoded = cv2.imencode(
        ".jpg",
        cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR),
        [cv2.IMWRITE_JPEG_QUALITY, quality],
    )
    if not ok:
        raise RuntimeError("OpenCV could not encode the photo")
    return bytes(encoded.tobytes())


def _timed(since: float) -> float:
    return round(time.perf_counter() - since, 4)


def run_image_prompt(
    text_model: Path,
    mmproj: Path,
    image: bytes,
    *,
    threads: int = 2,
    n_predict: int = 8,
    encodes: int = 1,
    n_ctx: int = 1024,
    warmup: bool = True,
    verbose: bool = False,
) -> ImageRun:
    """Load both files, tokenize `PROMPT` with `image`, evaluate it and generate `n_predict`.

    The image is encoded alone `encodes` times before its evaluation (for steadier timings).
    """
    import llama_cpp
    from llama_cpp import mtmd_cpp as mtmd

    run = ImageRun()
    started = time.perf_counter()
    llm = llama_cpp.Llama(
        model_path=str(text_model), n_ctx=n_ctx, n_threads=threads, seed=1, verbose=verbose
    )
    run.load_s = _timed(started)
    for name in ("<start_of_image>", "<end_of_image>", "<image_soft_token>"):
        ids = llm.tokenize(name.encode(), add_bos=False, special=True)
        run.special[name] = ids[0] if len(ids) == 1 else -1
    run.special["bos"] = llm.token_bos()

    params = mtmd.mtmd_context_params_default()
    params.use_gpu = False
    params.print_timings = verbose
    params.n_threads = threads
    params.warmup = warmup
    started = time.perf_counter()
    ctx = mtmd.mtmd_init_from_file(str(mmproj).encode(), llm.model, params)
    run.mtmd_init_s = _timed(started)
    if not ctx:
        raise RuntimeError(f"mtmd_init_from_file failed for {mmproj}")
    try:
        _evaluate(llm, ctx, image, run, n_predict, encodes)
    finally:
        mtmd.mtmd_free(ctx)
        llm.close()
    run.peak_rss_mib = round(peak_rss_mb(), 1)
    return run


def _evaluate(
    llm: Any, ctx: Any, image: bytes, run: ImageRun, n_predict: int, encodes: int
) -> None:
    import llama_cpp
    from llama_cpp import mtmd_cpp as mtmd

    buffer = (ctypes.c_uint8 * len(image)).from_buffer_copy(image)
    bitmap = mtmd.mtmd_helper_bitmap_init_from_buf(ctx, buffer, len(image), False)
    if not bitmap:
        raise RuntimeError("mtmd could not decode the image")
    chunks = mtmd.mtmd_input_chunks_init()
    try:
        prompt = PROMPT.format(marker=mtmd.mtmd_default_marker().decode()).encode()
        text = mtmd.mtmd_input_text(prompt, len(prompt), True, True)  # add and parse special
        bitmaps = (mtmd.mtmd_bitmap_p_ctypes * 1)(bitmap)
        status = mtmd.mtmd_tokenize(ctx, chunks, ctypes.byref(text), bitmaps, 1)
        if status != 0:
            raise RuntimeError(f"mtmd_tokenize failed with status {status}")
        llm.reset()
        for index in range(mtmd.mtmd_input_chunks_size(chunks)):
            chunk = mtmd.mtmd_input_chunks_get(chunks, index)
            if mtmd.mtmd_input_chunk_get_type(chunk) == mtmd.MTMD_INPUT_CHUNK_TYPE_TEXT:
                _text_chunk(llm, chunk, run)
            else:
                _image_chunk(llm, ctx, chunk, run, encodes)
    finally:
        mtmd.mtmd_input_chunks_free(chunks)
        mtmd.mtmd_bitmap_free(bitmap)
    run.n_past = llm.n_tokens
    logits = llama_cpp.llama_get_logits_ith(llm.ctx, -1)  # Llama.scores stays zero here
    run.logits = _stats(np.ctypeslib.as_array(logits, (llm.n_vocab(),)))
    started = time.perf_counter()
    for _ in range(n_predict):
        token = llm.sample(temp=0.0)
        run.generated.append(int(token))
        llm.eval([token])
    run.generate_s = _timed(started)


def _text_chunk(llm: Any, chunk: Any, run: ImageRun) -> None:
    from llama_cpp import mtmd_cpp as mtmd

    count = ctypes.c_size_t()
    pointer = mtmd.mtmd_input_chunk_get_tokens_text(chunk, ctypes.byref(count))
    tokens = [pointer[i] for i in range(count.value)]
    run.chunks.append(("text", len(tokens)))
    run.text_tokens.append(tokens)
    started = time.perf_counter()
    llm.eval(tokens)
    run.text_eval_s.append(_timed(started))


def _image_chunk(llm: Any, ctx: Any, chunk: Any, run: ImageRun, encodes: int) -> None:
    """Encode alone (timed, output kept), then as the chat handler does: encode and decode."""
    import llama_cpp
    from llama_cpp import mtmd_cpp as mtmd

    n_tokens = mtmd.mtmd_input_chunk_get_n_tokens(chunk)
    run.chunks.append(("image", n_tokens))
    for _ in range(encodes):
        started = time.perf_counter()
        if mtmd.mtmd_encode_chunk(ctx, chunk) != 0:
            raise RuntimeError("mtmd_encode_chunk failed")
        run.encode_s.append(_timed(started))
    embd = mtmd.mtmd_get_output_embd(ctx)
    run.embd = _stats(
        np.ctypeslib.as_array(embd, (n_tokens * llama_cpp.llama_model_n_embd(llm.model),))
    )
    new_n_past = llama_cpp.llama_pos(0)
    started = time.perf_counter()
    status = mtmd.mtmd_helper_eval_chunk_single(
        ctx, llm.ctx, chunk, llm.n_tokens, 0, llm.n_batch, False, ctypes.byref(new_n_past)
    )
    run.image_eval_s = _timed(started)
    if status != 0:
        raise RuntimeError(f"mtmd_helper_eval_chunk_single failed with status {status}")
    llm.n_tokens = new_n_past.value


def _stats(values: np.ndarray[Any, Any]) -> dict[str, float]:
    finite = np.isfinite(values)
    good = values[finite]
    return {
        "n": float(values.size),
        "finite": float(finite.mean()),
        "mean_abs": float(np.abs(good).mean()) if good.size else float("nan"),
        "std": float(good.std()) if good.size else float("nan"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--text", type=Path, required=True, help="the text model GGUF")
    parser.add_argument("--mmproj", type=Path, required=True, help="the vision projector GGUF")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--predict", type=int, default=8, help="tokens to generate")
    parser.add_argument("--encodes", type=int, default=1, help="standalone encodes to time")
    parser.add_argument("--no-warmup", action="store_true", help="skip mtmd's warm-up at init")
    parser.add_argument("--verbose", action="store_true", help="llama.cpp's own log and timings")
    args = parser.parse_args(argv)
    run = run_image_prompt(
        args.text,
        args.mmproj,
        photo_jpeg(),
        threads=args.threads,
        n_predict=args.predict,
        encodes=args.encodes,
        warmup=not args.no_warmup,
        verbose=args.verbose,
    )
    print(json.dumps(asdict(run)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
