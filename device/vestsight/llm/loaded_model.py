"""The model as the worker holds it: loaded once, its system prompt warm in the KV cache.

Only the worker process imports this module (it imports llama_cpp). Text requests are prompted
with tokens the worker builds itself (`prompt_format`), so llama.cpp's prefix match reuses the
warm system prompt and a request prefills only its own part. A request with a camera image goes
through the vision chat handler when the model has a projector.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import protocol
from .prompt_format import END, FittedPrompt, fit_prompt, system_prefix
from .vision_chat import VisionChat

_LOGGER = logging.getLogger(__name__)


@dataclass
class Answer:
    """One request's stream of text pieces and, once finished, its numbers."""

    _chunks: Iterator[dict[str, Any]]
    prompt_tokens: int
    _evaluated: list[int] = field(default_factory=list)
    """Sizes of the model's decode calls during this request (first: the prompt's new part)."""
    finish_reason: str = "stop"
    completion_tokens: int = 0
    _on_end: Callable[[], None] = lambda: None

    @property
    def cached_tokens(self) -> int:
        if not self._evaluated:
            return 0
        return max(0, self.prompt_tokens - self._evaluated[0])

    def texts(self) -> Iterator[str]:
        try:
            yield from self._texts()
        finally:
            self._on_end()

    def _texts(self) -> Iterator[str]:
        for chunk in self._chunks:
            choice = chunk["choices"][0]
            text = choice.get("text")
            if text is None:
                text = choice.get("delta", {}).get("content")
            if text:
                self.completion_tokens += 1
                yield text
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]

    def stop(self, reason: str) -> None:
        self.finish_reason = reason
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


Cancelled = Callable[[], bool]


class LoadedModel:
    def __init__(self, llm: Any, context: int, vision: VisionChat | None) -> None:
        import llama_cpp

        self._llm = llm
        self._context = context
        self._vision = vision
        self._cancelled: Cancelled = lambda: False
        # Prefill is one llama_decode per batch of up to n_batch tokens: seconds on the Pi. The
        # abort callback lets a cancel stop it between graph nodes; it is set only while the
        # prompt is decoded (calling into Python per node would slow generation down).
        self._abort = llama_cpp.ggml_abort_callback(lambda _data: self._cancelled())
        self._no_abort = llama_cpp.ggml_abort_callback()
        self._set_abort_callback = llama_cpp.llama_set_abort_callback
        self._evaluated: list[int] | None = None
        self.vision_failed = False
        """A projector was given but could not be used: answers come from text only."""
        decode = llm.eval

        def counting_eval(tokens: Sequence[int]) -> None:
            if self._evaluated is not None:
                self._evaluated.append(len(tokens))
            decode(tokens)

        llm.eval = counting_eval  # Llama.generate decodes through self.eval: count what it does

    @classmethod
    def load(cls, path: Path, projector: Path | None, args: argparse.Namespace) -> LoadedModel:
        from llama_cpp import Llama  # the worker process is the only importer of llama_cpp

        vision = VisionChat.create(projector) if projector is not None else None
        llm = Llama(
            model_path=str(path),
            n_ctx=args.context,
            n_batch=args.batch,
            n_threads=args.threads,
            n_threads_batch=args.threads,
            chat_handler=vision.handler if vision is not None else None,
            verbose=False,
        )
        loaded = cls(llm, args.context, vision)
        if vision is not None and not vision.attach(llm):
            llm.chat_handler = None
            loaded._vision = None
            loaded.vision_failed = True
        return loaded

    @property
    def vision(self) -> bool:
        return self._vision is not None

    def tokenize(self, text: str) -> list[int]:
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=True, special=True))

    def warm(self, system: str) -> int:
        """Prefill the system prompt's prefix so the first request finds it cached."""
        if not system:
            return 0
        tokens = self.tokenize(system_prefix(system))
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

    def answer(self, request: protocol.Generate, cancelled: Cancelled) -> Answer:
        """Start answering; a decode in progress stops (RuntimeError) once `cancelled()`."""
        self._cancelled = cancelled
        self._set_abort(self._abort)
        try:
            answer = self._start(request)
        except BaseException:
            self._set_abort(self._no_abort)
            raise
        answer._on_end = lambda: self._set_abort(self._no_abort)
        return answer

    def _set_abort(self, callback: Any) -> None:
        self._set_abort_callback(self._llm._ctx.ctx, callback, None)

    def end_prefill(self) -> None:
        """The first token is out: from here a cancel is checked between tokens."""
        self._set_abort(self._no_abort)

    def _start(self, request: protocol.Generate) -> Answer:
        if request.payload and request.image_type:
            if self._vision is None:
                _LOGGER.warning("Image ignored: the model has no vision projector")
            else:
                return self._answer_with_image(request)
        fitted: FittedPrompt = fit_prompt(
            request.messages, self.tokenize, self._context, request.max_tokens
        )
        if fitted.dropped_turns:
            _LOGGER.info("Dropped %d old exchanges to fit the context", fitted.dropped_turns)
        evaluated: list[int] = []
        self._evaluated = evaluated
        chunks = self._llm.create_completion(
            prompt=fitted.tokens,
            max_tokens=fitted.max_tokens,
            temperature=request.temperature,
            seed=request.seed,
            stop=[END],
            stream=True,
        )
        return Answer(chunks, len(fitted.tokens), evaluated)

    def _answer_with_image(self, request: protocol.Generate) -> Answer:
        """The handler encodes the image and prefills the whole prompt before it returns."""
        assert self._vision is not None
        self._evaluated = None  # it clears the cache: nothing is reused
        messages = self._vision.messages(request.messages, request.payload, request.image_type)
        chunks = self._llm.create_chat_completion(
            messages=messages,
            max_tokens=request.max_tokens,
            temperature=request.temperature,
            seed=request.seed,
            stream=True,
        )
        return Answer(chunks, int(self._llm.n_tokens))
