"""A camera image into the model's context: llama.cpp's mtmd, driven chunk by chunk.

llama-cpp-python's ``MTMDChatHandler`` clears the KV cache for every request, so each image
request would prefill the system prompt again (seconds on the Pi). Here the worker drives mtmd
itself: the prompt's text before the image is matched against what the cache already holds (the
system prompt prefilled at load), and only the rest is evaluated: the image (encoded by the
vision tower, then decoded into the cache) and the question after it.

Cancelling: text and the image's embeddings go through ``llama_decode``, which the worker's abort
callback stops. The vision encoder is a separate ggml graph; its scheduler calls `_EvalCheck`
between nodes, which splits the graph into pieces of `CHECK_EVERY` nodes and stops it when the
request was cancelled, so an encode is cut short within one piece (about a twentieth of it).

Only the worker process imports this module (it imports llama_cpp).
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import llama_cpp
import llama_cpp.mtmd_cpp as mtmd

_LOGGER = logging.getLogger(__name__)

CHECK_EVERY = 128
"""Vision-graph nodes computed between two cancel checks. Each check splits the graph, and the
pieces cost: measured on MobileNet-V5-300M (2,580 nodes, a 21-22 s encode at 2 threads here),
every 128 nodes (20 pieces) costs about 3 % and bounds a cancel's delay to one piece (~1 s here);
every 48 nodes cost 16-29 %, every 512 about 1 % with ~4 s pieces."""
PLACEHOLDER_TEXT = b"<image_soft_token>"
"""The vocabulary's image token, written where the image sits in the token record so that no
text prompt's prefix ever matches the image's cache entries."""
IMAGE_BATCH_TOKENS = 256
"""The smallest decode batch with a projector: a Gemma 3n image is 256 tokens, decoded at once."""


class ImageRefused(ValueError):
    """The image could not be turned into model input (an undecodable file, a failed encode)."""


class Cancelled(RuntimeError):
    """The request was cancelled while its image was being encoded or decoded."""


class _EvalCheck:
    """The vision graph's eval callback: ask for every `CHECK_EVERY`-th node, stop if cancelled."""

    def __init__(self, cancelled: Callable[[], bool]) -> None:
        self.cancelled = cancelled
        self._nodes = 0
        self.callback = llama_cpp.ggml_backend_sched_eval_callback(self._called)

    def _called(self, _tensor: int, ask: bool, _user_data: int) -> bool:
        if ask:
            self._nodes += 1
            return self._nodes % CHECK_EVERY == 0
        return not self.cancelled()


@dataclass
class ImagePrompt:
    """An image tokenized for one request: mtmd's chunks, freed by `close`."""

    chunks: Any
    n_tokens: int
    """Positions the image takes in the context, its boundary tokens included."""

    def close(self) -> None:
        if self.chunks is not None:
            mtmd.mtmd_input_chunks_free(self.chunks)
            self.chunks = None


class ImageInput:
    """The loaded projector (an mtmd context) for one loaded model."""

    def __init__(self, ctx: Any, check: _EvalCheck, placeholder: int) -> None:
        self._ctx = ctx
        self._check = check
        self._placeholder = placeholder
        self.marker = mtmd.mtmd_default_marker().decode("utf-8")

    @classmethod
    def load(cls, projector: Path, llm: Any, threads: int) -> ImageInput:
        """Load `projector` for `llm`; ValueError if mtmd cannot use it for images."""
        from llama_cpp._logger import llama_log_callback

        # mtmd logs through its own hook: the same filter as llama.cpp's (errors only).
        mtmd.mtmd_log_set(llama_log_callback, ctypes.c_void_p(0))
        mtmd.mtmd_helper_log_set(llama_log_callback, ctypes.c_void_p(0))
        check = _EvalCheck(lambda: False)
        params = mtmd.mtmd_context_params_default()
        params.use_gpu = False
        params.print_timings = False
        params.n_threads = threads
        params.warmup = True  # the first image is not slower than the others
        # Models that size images freely (Gemma 4) may decode them all at once (non-causal):
        # keep an image within one batch. Gemma 3n's are always 256.
        params.image_max_tokens = llm.n_batch
        params.cb_eval = check.callback
        params.cb_eval_user_data = None
        ctx = mtmd.mtmd_init_from_file(str(projector).encode(), llm.model, params)
        if ctx is None:
            raise ValueError(f"llama.cpp could not load the projector {projector.name}")
        if not mtmd.mtmd_support_vision(ctx):
            mtmd.mtmd_free(ctx)
            raise ValueError(f"{projector.name} has no vision encoder")
        image_token = llm.tokenize(PLACEHOLDER_TEXT, add_bos=False, special=True)
        placeholder = image_token[0] if len(image_token) == 1 else llm.token_bos()
        return cls(ctx, check, placeholder)

    def close(self) -> None:
        if self._ctx is not None:
            mtmd.mtmd_free(self._ctx)
            self._ctx = None

    def tokenize(self, image: bytes) -> ImagePrompt:
        """The image (JPEG, PNG…) as mtmd chunks; `ImageRefused` if it cannot be decoded."""
        if not image:
            raise ImageRefused("the image is empty")
        buffer = (ctypes.c_uint8 * len(image)).from_buffer_copy(image)
        bitmap = mtmd.mtmd_helper_bitmap_init_from_buf(self._ctx, buffer, len(image), False)
        if bitmap is None:
            raise ImageRefused("the image could not be decoded")
        chunks = mtmd.mtmd_input_chunks_init()
        try:
            text = mtmd.mtmd_input_text()
            marker = self.marker.encode("utf-8")
            text.text, text.text_len = marker, len(marker)
            text.add_special, text.parse_special = False, True
            bitmaps = (mtmd.mtmd_bitmap_p_ctypes * 1)(bitmap)
            status = mtmd.mtmd_tokenize(self._ctx, chunks, ctypes.byref(text), bitmaps, 1)
            if status != 0:
                raise ImageRefused(f"the image could not be tokenized (mtmd status {status})")
        except BaseException:
            mtmd.mtmd_input_chunks_free(chunks)
            raise
        finally:
            mtmd.mtmd_bitmap_free(bitmap)
        n_tokens = sum(
            mtmd.mtmd_input_chunk_get_n_pos(mtmd.mtmd_input_chunks_get(chunks, i))
            for i in range(mtmd.mtmd_input_chunks_size(chunks))
        )
        return ImagePrompt(chunks, n_tokens)

    def evaluate(self, llm: Any, prompt: ImagePrompt, cancelled: Callable[[], bool]) -> None:
        """Put the image's chunks into `llm`'s context after its current tokens.

        Text chunks (the image's boundary tokens) go through ``llm.eval``; the image is encoded,
        then its embeddings decoded at the following positions. Afterwards ``llm.n_tokens`` and
        its token record include the image; `Cancelled` if `cancelled()` became true.
        """
        self._check.cancelled = cancelled
        try:
            for i in range(mtmd.mtmd_input_chunks_size(prompt.chunks)):
                chunk = mtmd.mtmd_input_chunks_get(prompt.chunks, i)
                if mtmd.mtmd_input_chunk_get_type(chunk) == mtmd.MTMD_INPUT_CHUNK_TYPE_TEXT:
                    count = ctypes.c_size_t()
                    tokens = mtmd.mtmd_input_chunk_get_tokens_text(chunk, ctypes.byref(count))
                    llm.eval([tokens[j] for j in range(count.value)])
                else:
                    self._evaluate_image(llm, chunk, cancelled)
        finally:
            self._check.cancelled = lambda: False

    def _evaluate_image(self, llm: Any, chunk: Any, cancelled: Callable[[], bool]) -> None:
        if mtmd.mtmd_encode_chunk(self._ctx, chunk) != 0:
            raise ImageRefused("the vision encoder failed on this image")
        if cancelled():
            raise Cancelled("cancelled while the image was encoded")
        n_past = llm.n_tokens
        llm._ctx.kv_cache_seq_rm(-1, n_past, -1)
        new_n_past = llama_cpp.llama_pos(0)
        status = mtmd.mtmd_helper_decode_image_chunk(
            self._ctx,
            llm._ctx.ctx,
            chunk,
            mtmd.mtmd_get_output_embd(self._ctx),
            llama_cpp.llama_pos(n_past),
            llama_cpp.llama_seq_id(0),
            llm.n_batch,
            ctypes.byref(new_n_past),
            mtmd.mtmd_helper_post_decode_callback(),  # none
            None,
        )
        if status != 0:
            if cancelled():
                raise Cancelled("cancelled while the image was decoded")
            raise RuntimeError(f"decoding the image failed (status {status})")
        end = n_past + mtmd.mtmd_input_chunk_get_n_pos(chunk)
        llm.input_ids[n_past:end] = self._placeholder
        llm.n_tokens = end
