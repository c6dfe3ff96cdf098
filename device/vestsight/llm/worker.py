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
from typing import IO, Any

from ..errors import ModelFileError, ProtocolError
from . import protocol
from .model_files import resolve_model_path

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


def gemma_messages(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """Gemma has no system role: its own template puts the system text atop the first user turn."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    turns = [dict(m) for m in messages if m["role"] != "system"]
    if system:
        if turns and turns[0]["role"] == "user":
            turns[0]["content"] = f"{system}\n\n{turns[0]['content']}"
        else:
            turns.insert(0, {"role": "user", "content": system})
    return turns


class Worker:
    def __init__(self, writer: MessageWriter, args: argparse.Namespace) -> None:
        self._writer = writer
        self._args = args
        self._requests: queue.Queue[protocol.Generate | None] = queue.Queue()
        self._cancelled: set[str] = set()
        self._lock = threading.Lock()
        self._busy = threading.Event()
        self._llm: Any = None

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
        elif isinstance(message, protocol.Generate):
            self._requests.put(message)
        else:
            _LOGGER.warning("Ignoring unexpected %s message", message.type)

    def _is_cancelled(self, request_id: str) -> bool:
        with self._lock:
            return request_id in self._cancelled

    # --- main thread -----------------------------------------------------------------------

    def load(self) -> bool:
        args = self._args
        self._writer.send(protocol.Loading(model=args.model or "small development model"))
        started = time.monotonic()
        try:
            path = resolve_model_path(args.model)
            from llama_cpp import Llama  # the worker process is the only importer of llama_cpp

            self._llm = Llama(
                model_path=str(path),
                n_ctx=args.context,
                n_threads=args.threads,
                n_threads_batch=args.threads,
                chat_format=args.chat_format,
                verbose=False,
            )
        except ModelFileError as err:
            _LOGGER.error("%s", err)
            self._writer.send(protocol.LoadFailed(error=err.spoken, advice=str(err)))
            return False
        except (ValueError, RuntimeError, OSError) as err:
            _LOGGER.error("Model failed to load: %s", err)
            self._writer.send(
                protocol.LoadFailed(
                    error="the description model could not be loaded",
                    advice=f"{err}; check that the file is a complete GGUF model",
                )
            )
            return False
        seconds = time.monotonic() - started
        _LOGGER.info("Loaded %s in %.1f s", path, seconds)
        self._writer.send(
            protocol.Ready(
                model=path.name,
                context_tokens=args.context,
                threads=args.threads,
                load_seconds=round(seconds, 3),
            )
        )
        return True

    def serve(self) -> None:
        while (request := self._requests.get()) is not None:
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
        completion_tokens = 0
        finish_reason = "stop"
        try:
            stream = self._llm.create_chat_completion(
                messages=gemma_messages(request.messages),
                max_tokens=request.max_tokens,
                temperature=request.temperature,
                seed=request.seed,
                stream=True,
            )
            for chunk in stream:
                if self._is_cancelled(rid):
                    finish_reason = "cancelled"
                    stream.close()
                    break
                choice = chunk["choices"][0]
                text = choice["delta"].get("content")
                if text:
                    completion_tokens += 1
                    self._writer.send(protocol.Token(request_id=rid, text=text))
                if choice.get("finish_reason"):
                    finish_reason = choice["finish_reason"]
        except (ValueError, RuntimeError) as err:
            _LOGGER.exception("Generation %s failed", rid)
            self._writer.send(protocol.Failed(request_id=rid, error=str(err)))
            return
        prompt_tokens = max(0, int(self._llm.n_tokens) - completion_tokens)
        self._writer.send(
            protocol.Done(
                request_id=rid,
                finish_reason=finish_reason,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                seconds=round(time.monotonic() - started, 3),
            )
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Vestsight LLM worker (started by the vest)")
    parser.add_argument("--model", default="", help="GGUF file; empty: the small dev model")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--context", type=int, default=2048)
    parser.add_argument("--chat-format", default="gemma")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


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
