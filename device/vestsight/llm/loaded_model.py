"""The model as the worker holds it: loaded once, its system prompt warm in the KV cache.

Only the worker process imports this module (it imports llama_cpp). Prompts are tokens the
worker builds itself (`prompt_format`), so the warm system prompt is reused by every request,
with or without an image: a request prefills only its own part. A request with a camera image
has the image's chunks put into the context by `ImageInput` between the text before it (the
system prompt) and the question after it; then the answer is sampled as for text.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ModelFileError
from . import protocol
from .image_input import IMAGE_BATCH_TOKENS, ImageInput, ImagePrompt, ImageRefused
from .projector_check import check_projector
from .prompt_format import FittedPrompt, PromptFormat, fit_prompt, format_for, with_image

_LOGGER = logging.getLogger(__name__)

Cancelled = Callable[[], bool]


@dataclass
class Prepared:
    """A request tokenized and fitted to the context, not yet evaluated."""

    request: protocol.Generate
    fitted: FittedPrompt
    cached_tokens: int
    """Tokens at the start of the prompt already in the KV cache (the warm system prompt)."""
    image: ImagePrompt | None = None
    image_error: str = ""
    """Why an image sent with the request was not used (the answer comes from text)."""
    image_seconds: float = 0.0
    """Time the image took to go into the context (encoded, then decoded), once prefilled."""
    around_image: tuple[list[int], list[int]] = ([], [])
    """With an image: the prompt's tokens before it (BOS first) and after it."""

    @property
    def prompt_tokens(self) -> int:
        if self.image is None:
            return len(self.fitted.tokens)
        before, after = self.around_image
        return len(before) + self.image.n_tokens + len(after)

    @property
    def image_tokens(self) -> int:
        return self.image.n_tokens if self.image else 0

    def close(self) -> None:
        if self.image is not None:
            self.image.close()


@dataclass
class Answer:
    """One request's stream of text pieces and, once finished, its numbers."""

    _chunks: Iterator[dict[str, Any]]
    finish_reason: str = "stop"
    completion_tokens: int = 0
    _on_end: Callable[[], None] = field(default=lambda: None, repr=False)

    def texts(self) -> Iterator[str]:
        try:
            for chunk in self._chunks:
                choice = chunk["choices"][0]
                if text := choice.get("text"):
                    self.completion_tokens += 1
                    yield text
                if choice.get("finish_reason"):
                    self.finish_reason = choice["finish_reason"]
        finally:
            self._on_end()

    def stop(self, reason: str) -> None:
        self.finish_reason = reason
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


class LoadedModel:
    def __init__(self, llm: Any, context: int, fmt: PromptFormat, image: ImageInput | None):
        import llama_cpp

        self._llm = llm
        self._context = context
        self.format = fmt
        self._image = image
        self._cancelled: Cancelled = lambda: False
        # Prefill is one llama_decode per batch of up to n_batch tokens: seconds on the Pi. The
        # abort callback lets a cancel stop it between graph nodes; it is set only while the
        # prompt is decoded (calling into Python per node would slow generation down).
        self._abort = llama_cpp.ggml_abort_callback(lambda _data: self._cancelled())
        self._no_abort = llama_cpp.ggml_abort_callback()
        self._set_abort_callback = llama_cpp.llama_set_abort_callback
        self.vision_error = ""
        """Why a configured projector is not used: answers come from text only."""

    @classmethod
    def load(cls, path: Path, projector: Path | None, args: argparse.Namespace) -> LoadedModel:
        from llama_cpp import Llama  # the worker process is the only importer of llama_cpp

        # An image's tokens attend to each other both ways: they must be decoded in one batch.
        batch = args.batch if projector is None else max(args.batch, IMAGE_BATCH_TOKENS)
        llm = Llama(
            model_path=str(path),
            n_ctx=args.context,
            n_batch=batch,
            n_threads=args.threads,
            n_threads_batch=args.threads,
            verbose=False,
        )
        architecture = str(llm.metadata.get("general.architecture", ""))
        fmt = format_for(args.chat_format, architecture)
        loaded = cls(llm, args.context, fmt, None)
        if projector is not None:
            try:
                check_projector(projector, architecture, embedding_width(llm))
                loaded._image = ImageInput.load(projector, llm, args.threads)
            except (ModelFileError, ValueError) as err:
                _LOGGER.error("Vision projector %s not used, text only: %s", projector, err)
                loaded.vision_error = str(err)
        _LOGGER.info("%s (%s): %s prompts", path.name, architecture, fmt.name)
        return loaded

    @property
    def vision(self) -> bool:
        return self._image is not None

    def tokenize(self, text: str) -> list[int]:
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=True, special=True))

    def warm(self, system: str) -> int:
        """Prefill the system prompt's prefix so the first request finds it cached."""
        if not system:
            return 0
        tokens = self.tokenize(self.format.system_prefix(system))
        if len(tokens) > self._context // 2:
            _LOGGER.warning("System prompt of %d tokens not prefilled: too long", len(tokens))
            return 0
        self._llm.reset()
        try:
            self._llm.eval(tokens)
        except RuntimeError as err:  # the first request then prefills it: slower, not broken
            _LOGGER.error("Prefilling the system prompt failed: %s", err)
            self._llm.reset()
            return 0
        return len(tokens)

    def prepare(self, request: protocol.Generate) -> Prepared:
        """Tokenize and fit `request` (`PromptTooLong` if it cannot fit)."""
        image, image_error = None, ""
        if request.payload and request.image_type:
            if self._image is None:
                image_error = "the model has no vision projector"
            else:
                try:
                    image = self._image.tokenize(request.payload)
                except ImageRefused as err:
                    image_error = str(err)
        if image_error:
            _LOGGER.warning("Image not used, answering from text: %s", image_error)
        try:
            messages = request.messages
            if image is not None:
                assert self._image is not None
                messages = with_image(messages, self._image.marker)
            fitted = fit_prompt(
                messages,
                self.tokenize,
                self._context,
                request.max_tokens,
                self.format,
                reserved=image.n_tokens if image else 0,
            )
        except BaseException:
            if image is not None:
                image.close()
            raise
        if fitted.dropped_turns:
            _LOGGER.info("Dropped %d old exchanges to fit the context", fitted.dropped_turns)
        if image is None:  # llama's prefix match decodes at least the last token, for logits
            cached = self._cached_prefix(fitted.tokens, len(fitted.tokens) - 1)
            return Prepared(request, fitted, cached, None, image_error)
        around = self._around_image(fitted.text)
        cached = self._cached_prefix(around[0], len(around[0]))  # all of it may be cached
        return Prepared(request, fitted, cached, image, image_error, around_image=around)

    def answer(self, prepared: Prepared, cancelled: Cancelled) -> Answer:
        """Start answering; a decode in progress stops (RuntimeError) once `cancelled()`."""
        self._cancelled = cancelled
        self._set_abort(self._abort)
        try:
            tokens = prepared.fitted.tokens
            if prepared.image is not None:
                tokens = self._prefill_image_or_text(prepared)
            chunks = self._llm.create_completion(
                prompt=tokens,
                max_tokens=prepared.fitted.max_tokens,
                temperature=prepared.request.temperature,
                seed=prepared.request.seed,
                stop=[self.format.end],
                stream=True,
            )
        except BaseException:
            self._set_abort(self._no_abort)
            raise
        finally:
            prepared.close()
        return Answer(chunks, _on_end=lambda: self._set_abort(self._no_abort))

    def _set_abort(self, callback: Any) -> None:
        self._set_abort_callback(self._llm._ctx.ctx, callback, None)

    def end_prefill(self) -> None:
        """The first token is out: from here a cancel is checked between tokens."""
        self._set_abort(self._no_abort)

    def _around_image(self, text: str) -> tuple[list[int], list[int]]:
        """The tokens of the prompt `text` before its image marker (BOS first) and after it."""
        assert self._image is not None
        before, after = text.split(self._image.marker, 1)
        after_ids = self._llm.tokenize(after.encode("utf-8"), add_bos=False, special=True)
        return self.tokenize(before), [int(t) for t in after_ids]

    def _cached_prefix(self, tokens: list[int], limit: int) -> int:
        """How many of `tokens` (at most `limit`) the KV cache holds already."""
        held = self._llm.input_ids[: self._llm.n_tokens]
        same = 0
        for have, want in zip(held, tokens, strict=False):
            if have != want:
                break
            same += 1
        return min(same, limit)

    def _prefill_image_or_text(self, prepared: Prepared) -> list[int]:
        """The prompt with its image prefilled; the text prompt if the encoder refused it."""
        started = time.monotonic()
        try:
            tokens = self._prefill_image(prepared)
        except ImageRefused as err:
            _LOGGER.warning("Image refused by the encoder, answering from text: %s", err)
            prepared.image_error = str(err)
            if prepared.image is not None:
                prepared.image.close()
            prepared.image = None
            prepared.fitted = fit_prompt(
                prepared.request.messages,
                self.tokenize,
                self._context,
                prepared.request.max_tokens,
                self.format,
            )
            return prepared.fitted.tokens
        prepared.image_seconds = time.monotonic() - started
        return tokens

    def _prefill_image(self, prepared: Prepared) -> list[int]:
        """Evaluate the text before the image, the image, and the question but its last token.

        Returns the whole prompt as tokens; llama's prefix match then finds all but the last
        token cached, decodes that one and samples the answer.
        """
        assert self._image is not None and prepared.image is not None
        before_tokens, after_tokens = prepared.around_image
        llm = self._llm
        llm.n_tokens = prepared.cached_tokens
        llm.eval(before_tokens[prepared.cached_tokens :])
        self._image.evaluate(llm, prepared.image, self._cancelled)
        llm.eval(after_tokens[:-1])
        return [int(t) for t in llm.input_ids[: llm.n_tokens]] + after_tokens[-1:]


def embedding_width(llm: Any) -> int:
    """The width of the model's input embeddings: what a projector must produce."""
    import llama_cpp

    return int(llama_cpp.llama_model_n_embd_inp(llm.model))
