"""The LLM worker process: llama-cpp-python with the model loaded once, serving chat requests.

Run as ``python -m vestsight.llm.worker --model PATH ...`` by `vestsight.llm.client`. It speaks the
protocol of `vestsight.llm.protocol` on stdin/stdout (stdout is moved to a private descriptor at
start so nothing llama.cpp prints can corrupt it; logs go to stderr). A reader thread answers
pings and records cancels at once, even while the main thread is generating; generation checks
for a cancel between tokens, so a cancel takes effect within one token step.
"""

from __future__ import annotations

import argparse
import logging
import os
import queue
import signal
import sys
import threading
import time
from pathlib import Path
from typing import IO

from ..errors import LlmError, ModelFileError, ProtocolError
from . import protocol
from .loaded_model import LoadedModel
from .manifest import ModelEntry, default_manifest
from .model_files import (
    cache_dir,
    listed_models,
    named_model_path,
    projector_path,
    resolve_model_path,
    verify_listed,
)
from .prompt_format import FORMATS

_LOGGER = logging.getLogger("vestsight.llm.worker")


class MessageWriter:
    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, message: protocol.Message) -> None:
        data = protocol.encode(message)
        with self._lock:
            self._stream.write(data)
            self._stream.flush()


class Worker:
    def __init__(self, writer: MessageWriter, args: argparse.Namespace) -> None:
        self._writer = writer
        self._args = args
        self._requests: queue.Queue[protocol.Generate | protocol.Warm | None] = queue.Queue()
        self._cancelled: set[str] = set()
        self._lock = threading.Lock()
        self._busy = threading.Event()
        self._model: LoadedModel | None = None
        self._projector_error = ""

    # --- reader thread ---------------------------------------------------------------------

    def read_requests(self, stream: IO[bytes]) -> None:
        try:
            while (message := protocol.read_message_sync(stream)) is not None:
                self._handle(message)
        except ProtocolError as err:
            _LOGGER.error("Bad message from the main process, stopping: %s", err)
        finally:
            self._requests.put(None)  # end of input: finish what is running, then exit

    def _handle(self, message: protocol.Message) -> None:
        if isinstance(message, protocol.Ping):
            self._writer.send(protocol.Pong(seq=message.seq, busy=self._busy.is_set()))
        elif isinstance(message, protocol.Cancel):
            with self._lock:
                self._cancelled.add(message.request_id)
        elif isinstance(message, protocol.Generate | protocol.Warm):
            self._requests.put(message)
        else:
            _LOGGER.warning("Ignoring unexpected %s message", message.type)

    def _is_cancelled(self, request_id: str) -> bool:
        with self._lock:
            return request_id in self._cancelled

    # --- main thread -----------------------------------------------------------------------

    def load(self) -> bool:
        args = self._args
        self._writer.send(
            protocol.Loading(model=args.model or args.model_name or "small development model")
        )
        started = time.monotonic()
        try:
            if args.model or not args.model_name:
                path = resolve_model_path(args.model)
            else:
                path = named_model_path(
                    args.model_name, args.models_dir, listed_models(args.manifest, args.models_dir)
                )
            entries = listed_models(args.manifest, path.parent)
            entry = verify_listed(path, entries)
            projector = self._usable_projector(path, entry, entries)
            self._model = LoadedModel.load(path, projector, args)
            if self._projector_error and not self._model.vision_error:
                self._model.vision_error = self._projector_error
        except ModelFileError as err:
            _LOGGER.error("%s", err)
            self._writer.send(
                protocol.LoadFailed(error=err.spoken, advice=str(err), phrase=err.phrase)
            )
            return False
        except (ValueError, RuntimeError, OSError) as err:
            _LOGGER.error("Model failed to load: %s", err)
            self._writer.send(
                protocol.LoadFailed(
                    error="the description model could not be loaded",
                    advice=f"{err}; check that the file is a complete GGUF model",
                    phrase="model_load",
                )
            )
            return False
        warm = self._model.warm(args.system_prompt)
        seconds = time.monotonic() - started
        _LOGGER.info("Loaded %s in %.1f s (%d system tokens warm)", path, seconds, warm)
        self._writer.send(
            protocol.Ready(
                model=path.name,
                context_tokens=args.context,
                threads=args.threads,
                load_seconds=round(seconds, 3),
                vision=self._model.vision,
                vision_failed=bool(self._model.vision_error),
                vision_error=self._model.vision_error,
                prompt_format=self._model.format.name,
                warm_tokens=warm,
            )
        )
        return True

    def _usable_projector(
        self, model: Path, entry: ModelEntry | None, entries: list[ModelEntry]
    ) -> Path | None:
        """The checked projector, or None; a missing or damaged one leaves a text-only model."""
        try:
            return projector_path(self._args.projector, model, entry, entries)
        except ModelFileError as err:
            _LOGGER.error("Vision projector refused, answering from text only: %s", err)
            self._projector_error = str(err)
            return None

    def serve(self) -> None:
        while (request := self._requests.get()) is not None:
            if isinstance(request, protocol.Warm):
                assert self._model is not None
                warm = self._model.warm(request.system_prompt)
                _LOGGER.info("New system prompt: %d tokens warm", warm)
                continue
            self._busy.set()
            try:
                self._generate(request)
            finally:
                self._busy.clear()
                with self._lock:
                    self._cancelled.discard(request.request_id)

    def _generate(self, request: protocol.Generate) -> None:
        rid = request.request_id
        started = time.monotonic()
        if self._is_cancelled(rid):
            self._writer.send(protocol.Done(request_id=rid, finish_reason="cancelled"))
            return
        assert self._model is not None
        first_token_at = 0.0
        try:
            prepared = self._model.prepare(request)
            self._writer.send(
                protocol.Started(
                    request_id=rid,
                    prompt_tokens=prepared.prompt_tokens,
                    cached_tokens=prepared.cached_tokens,
                    image_tokens=prepared.image_tokens,
                    image_error=prepared.image_error,
                )
            )
            answer = self._model.answer(prepared, lambda: self._is_cancelled(rid))
            for text in answer.texts():
                if self._is_cancelled(rid):
                    answer.stop("cancelled")
                    break
                if not first_token_at:
                    first_token_at = time.monotonic()
                    self._model.end_prefill()
                self._writer.send(protocol.Token(request_id=rid, text=text))
        except LlmError as err:
            _LOGGER.error("Request %s refused: %s", rid, err)
            self._writer.send(
                protocol.Failed(
                    request_id=rid, error=str(err), spoken=err.spoken, phrase=err.phrase
                )
            )
            return
        except Exception as err:  # an aborted decode raises RuntimeError or
            # ValueError; anything else is a bug in one request, never the end of the worker
            if not self._is_cancelled(rid):
                _LOGGER.exception("Generation %s failed", rid)
                self._writer.send(protocol.Failed(request_id=rid, error=str(err)))
                return
            _LOGGER.info("Request %s cancelled during its prefill", rid)
            seconds = round(time.monotonic() - started, 3)
            self._writer.send(
                protocol.Done(request_id=rid, finish_reason="cancelled", seconds=seconds)
            )
            return
        self._writer.send(
            protocol.Done(
                request_id=rid,
                finish_reason=answer.finish_reason,
                prompt_tokens=prepared.prompt_tokens,
                cached_tokens=prepared.cached_tokens,
                completion_tokens=answer.completion_tokens,
                first_token_seconds=round(first_token_at - started, 3) if first_token_at else 0,
                seconds=round(time.monotonic() - started, 3),
                image_tokens=prepared.image_tokens,
                image_seconds=round(prepared.image_seconds, 3),
                image_error=prepared.image_error,
            )
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Vestsight LLM worker (started by the vest)")
    parser.add_argument(
        "--model", default="", help="GGUF file; empty: --model-name or the small dev model"
    )
    parser.add_argument("--model-name", default="", help="a model's name in the manifest")
    parser.add_argument(
        "--models-dir", type=Path, default=cache_dir(), help="where named models are"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--context", type=int, default=2048)
    parser.add_argument("--chat-format", default="auto", choices=("auto", *FORMATS))
    parser.add_argument("--projector", default="", help="vision projector (mmproj) GGUF")
    parser.add_argument("--manifest", type=Path, default=default_manifest())
    parser.add_argument("--system-prompt", default="", help="prefilled at load")
    parser.add_argument("--batch", type=int, default=512, help="prompt tokens per decode batch")
    parser.add_argument("--nice", type=int, default=0, help="added to the worker's niceness")
    parser.add_argument("--batch-scheduling", action="store_true", help="SCHED_BATCH")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


OOM_SCORE_ADJ = 500
"""The kernel's out-of-memory killer picks the worker before the main process (which restarts it
and says so) and before speech; 1000 would be "always first", 0 is the default."""


def prefer_to_be_killed_first(path: Path = Path("/proc/self/oom_score_adj")) -> None:
    """Raise this process's OOM score (allowed without privileges); logged if it cannot be."""
    try:
        path.write_text(f"{OOM_SCORE_ADJ}\n")
    except OSError as error:
        _LOGGER.info("Could not set the worker's OOM score: %s", error)


def yield_the_cpu(nice: int, batch: bool) -> None:
    """Run below the main process: speech, the controls and the fast path come first.

    llama.cpp's threads, started after this, inherit the priority. SCHED_BATCH tells the
    scheduler these are long CPU-bound runs (fewer preemptions of the others); `nice` gives
    the main process's work the larger share when both want the CPU. Logged if refused.
    """
    try:
        if nice:
            os.nice(nice)
        if batch:
            os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    except OSError as error:
        _LOGGER.info("Could not lower the worker's priority: %s", error)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # The main process decides when the worker ends (by closing its stdin), not a Ctrl-C.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The protocol owns the real stdout; anything else printing to fd 1 lands on stderr.
    protocol_out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    logging.basicConfig(
        level=args.log_level, stream=sys.stderr, format="worker %(levelname)s %(message)s"
    )
    prefer_to_be_killed_first()
    yield_the_cpu(args.nice, args.batch_scheduling)
    writer = MessageWriter(protocol_out)
    worker = Worker(writer, args)
    reader = threading.Thread(
        target=worker.read_requests, args=(sys.stdin.buffer,), name="requests", daemon=True
    )
    reader.start()
    if not worker.load():
        reader.join()  # stay to answer pings until the main process closes our stdin
        return 2
    worker.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
