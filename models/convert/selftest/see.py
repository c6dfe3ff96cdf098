"""Load a converted Gemma 3n pair with llama.cpp + mtmd, encode one real photo, generate.

This is what the vest's worker does with an image (llama-cpp-python's ``MTMDChatHandler``,
step by step): the text model is loaded by llama.cpp, the projector by mtmd against it, the
prompt is tokenized with the photo in place of mtmd's media marker, the photo is encoded by
MobileNet-V5 into soft tokens, decoded between ``<start_of_image>`` and ``<end_of_image>``, and
tokens are generated. With random weights the tokens are noise; what is proven is that the files
load together, the image becomes embeddings of the model's width, and generation runs.
Runs in the project venv (llama_cpp, scikit-image).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import math
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

_LOGGER = logging.getLogger(__name__)

START_OF_IMAGE = "<start_of_image>"
END_OF_IMAGE = "<end_of_image>"


@dataclass(frozen=True)
class SeeResult:
    image_tokens: int
    embedding_width: int
    end_of_image_id: int
    start_of_image_id: int
    encode_s: float
    generated: list[int]
    generate_s: float
    text: str


def photo_png() -> bytes:
    """scikit-image's astronaut photo (512x512 RGB PNG), one of the simulated camera's photos."""
    from vestsight.camera.photos import skimage_photo_dir

    return (skimage_photo_dir() / "astronaut.png").read_bytes()


def see(model: Path, projector: Path, *, threads: int, n_predict: int = 8) -> SeeResult:
    import llama_cpp
    from llama_cpp import mtmd_cpp

    llm = llama_cpp.Llama(
        model_path=str(model), n_ctx=1024, n_batch=512, n_threads=threads, seed=1, verbose=False
    )
    params = mtmd_cpp.mtmd_context_params_default()
    params.n_threads = threads
    params.print_timings = False
    ctx = mtmd_cpp.mtmd_init_from_file(str(projector).encode(), llm.model, params)
    if ctx is None:
        raise RuntimeError(f"mtmd could not load {projector} with {model}")
    try:
        if not mtmd_cpp.mtmd_support_vision(ctx):
            raise RuntimeError(f"{projector} has no vision encoder")
        return _describe(llm, ctx, n_predict)
    finally:
        mtmd_cpp.mtmd_free(ctx)
        llm.close()


def _describe(llm: Any, ctx: Any, n_predict: int) -> SeeResult:
    from llama_cpp import mtmd_cpp

    end_ids = llm.tokenize(END_OF_IMAGE.encode(), add_bos=False, special=True)
    start_ids = llm.tokenize(START_OF_IMAGE.encode(), add_bos=False, special=True)
    if len(end_ids) != 1 or len(start_ids) != 1:
        raise RuntimeError(f"image delimiters are not single tokens: {start_ids} {end_ids}")
    png = photo_png()
    bitmap = mtmd_cpp.mtmd_helper_bitmap_init_from_buf(
        ctx, (ctypes.c_uint8 * len(png)).from_buffer(bytearray(png)), len(png), False
    )
    if bitmap is None:
        raise RuntimeError("mtmd could not read the photo")
    marker = mtmd_cpp.mtmd_default_marker().decode()
    prompt = f"<start_of_turn>user\n{marker}Describe what is in front of me.<end_of_turn>\n"
    chunks = mtmd_cpp.mtmd_input_chunks_init()
    try:
        _tokenize(ctx, chunks, bitmap, prompt + "<start_of_turn>model\n")
        texts, image_tokens, width, encode_s = _prefill(llm, ctx, chunks)
    finally:
        mtmd_cpp.mtmd_input_chunks_free(chunks)
        mtmd_cpp.mtmd_bitmap_free(bitmap)
    if len(texts) != 2 or texts[0][-1] != start_ids[0] or texts[1][0] != end_ids[0]:
        raise RuntimeError("the image is not between <start_of_image> and <end_of_image>")
    started = time.perf_counter()
    generated = []
    for _ in range(n_predict):
        token = llm.sample(temp=0.0)
        generated.append(int(token))
        llm.eval([token])
    generate_s = time.perf_counter() - started
    return SeeResult(
        image_tokens=image_tokens, embedding_width=width, end_of_image_id=end_ids[0],
        start_of_image_id=start_ids[0], encode_s=encode_s, generated=generated,
        generate_s=generate_s, text=llm.detokenize(generated).decode(errors="replace"),
    )  # fmt: skip


def _tokenize(ctx: Any, chunks: Any, bitmap: Any, prompt: str) -> None:
    from llama_cpp import mtmd_cpp

    text = mtmd_cpp.mtmd_input_text()
    encoded = prompt.encode()
    text.text, text.text_len, text.add_special, text.parse_special = (
        encoded,
        len(encoded),
        True,
        True,
    )
    bitmaps = (mtmd_cpp.mtmd_bitmap_p_ctypes * 1)(bitmap)
    if (status := mtmd_cpp.mtmd_tokenize(ctx, chunks, ctypes.byref(text), bitmaps, 1)) != 0:
        raise RuntimeError(f"mtmd_tokenize failed ({status})")


def _prefill(llm: Any, ctx: Any, chunks: Any) -> tuple[list[list[int]], int, int, float]:
    """Decode text chunks; encode the image, check its embeddings, decode them.
    Returns (text chunks' tokens, image tokens, embedding width, encode seconds)."""
    import llama_cpp
    from llama_cpp import mtmd_cpp

    texts: list[list[int]] = []
    image_tokens, width, encode_s = 0, 0, 0.0
    for index in range(mtmd_cpp.mtmd_input_chunks_size(chunks)):
        chunk = mtmd_cpp.mtmd_input_chunks_get(chunks, index)
        if mtmd_cpp.mtmd_input_chunk_get_type(chunk) == mtmd_cpp.MTMD_INPUT_CHUNK_TYPE_TEXT:
            count = ctypes.c_size_t()
            pointer = mtmd_cpp.mtmd_input_chunk_get_tokens_text(chunk, ctypes.byref(count))
            texts.append([pointer[i] for i in range(count.value)])
            llm.eval(texts[-1])
            continue
        image_tokens = mtmd_cpp.mtmd_input_chunk_get_n_tokens(chunk)
        started = time.perf_counter()
        if (status := mtmd_cpp.mtmd_encode_chunk(ctx, chunk)) != 0:
            raise RuntimeError(f"mtmd_encode_chunk failed ({status})")
        encode_s = time.perf_counter() - started
        embd = mtmd_cpp.mtmd_get_output_embd(ctx)
        width = llama_cpp.llama_model_n_embd(llm.model)
        _check_embeddings([embd[i] for i in range(image_tokens * width)])
        new_past = llama_cpp.llama_pos(0)
        status = mtmd_cpp.mtmd_helper_decode_image_chunk(
            ctx, llm._ctx.ctx, chunk, embd, llama_cpp.llama_pos(llm.n_tokens),
            llama_cpp.llama_seq_id(0), llm.n_batch, ctypes.byref(new_past),
            mtmd_cpp.mtmd_helper_post_decode_callback(), None,
        )  # fmt: skip
        if status != 0:
            raise RuntimeError(f"decoding the image embeddings failed ({status})")
        llm.n_tokens = new_past.value
    return texts, image_tokens, width, encode_s


def _check_embeddings(values: list[float]) -> None:
    if not values or not all(math.isfinite(value) for value in values):
        raise RuntimeError("the image embeddings are empty or not finite")
    if max(values) == min(values):
        raise RuntimeError("the image embeddings are constant")


def main(argv: list[str] | None = None) -> int:
    """``python -m models.convert.selftest.see MODEL PROJECTOR``: prints the result as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("model", type=Path)
    parser.add_argument("projector", type=Path)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--tokens", type=int, default=8)
    args = parser.parse_args(argv)
    result = see(args.model, args.projector, threads=args.threads, n_predict=args.tokens)
    print(json.dumps(asdict(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
