"""The main process's side of the LLM worker: spawn it, watch it, stream answers from it.

`LlmClient` is a supervised service. It starts the worker process, follows its loading, pings it
(two missed heartbeats mean it hangs), and fails when the worker dies, hangs or never loads, so
the supervisor restarts it with backoff. Requests in flight then end with `WorkerRestarting`.
A worker that dies while loading (killed for memory, most likely) is started again for as long
as it takes, spaced by the supervisor's backoff (capped); after `MAX_FAILED_LOADS` such deaths in
a row `on_retrying` is told once, with the reason (`OUT_OF_MEMORY` for a SIGKILL or a rise of
the cgroup's OOM kills: llm/oom.py). A model the worker reports missing or damaged (`LoadFailed`)
is not retried: the state stays ``failed`` and the fast path keeps working without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import itertools
import logging
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..aio import cancel_and_wait, run_until_first_failure, spawn, wait_within
from ..errors import LlmError, ProtocolError, WorkerNotReady, WorkerRestarting
from ..journal import Journal
from ..settings import LlmSettings
from ..supervisor import Service
from . import protocol
from .model_files import cache_dir
from .oom import OomWitness

_LOGGER = logging.getLogger(__name__)

SHUTDOWN_GRACE_S = 3.0
MAX_FAILED_LOADS = 3
"""After this many worker starts in a row end before the model loaded, say so (once)."""
OUT_OF_MEMORY = "out of memory"


class LlmState(enum.StrEnum):
    OFF = "off"
    STARTING = "starting"
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"
    RESTARTING = "restarting"


StateListener = Callable[["LlmState", str], None]
"""Called with the new state and a reason (for ``failed``)."""


_Item = protocol.Token | protocol.Done | protocol.Failed | LlmError


@dataclass
class Generation:
    """One streamed answer. Iterate for token texts; `done` holds the worker's summary after."""

    request_id: str
    first_token_timeout: float = 120.0
    """Seconds to wait for the first token (the prompt is prefilled first)."""
    token_timeout: float = 30.0
    """Seconds to wait for each next token."""
    on_stall: Callable[[], None] = field(default=lambda: None, repr=False)
    """Called when a time limit passes: the worker is stuck and must be restarted."""
    _items: asyncio.Queue[_Item] = field(default_factory=asyncio.Queue, repr=False)
    image_bytes: int = 0
    """Size of the camera image sent with the request (0: text only)."""
    started: protocol.Started | None = None
    """The worker's account of the prompt it is prefilling."""
    done: protocol.Done | None = None
    first_token_at: float | None = None

    @property
    def image_error(self) -> str:
        """Why the image that went with this request was not used by the model ("": it was)."""
        for report in (self.done, self.started):
            if report is not None and report.image_error:
                return report.image_error
        return ""

    def __aiter__(self) -> AsyncIterator[str]:
        return self._tokens()

    async def _tokens(self) -> AsyncIterator[str]:
        while self.done is None:
            limit = self.first_token_timeout if self.first_token_at is None else self.token_timeout
            try:
                item = await wait_within(self._items.get(), limit)
            except TimeoutError:
                self.on_stall()
                raise WorkerRestarting(
                    f"the description engine gave no token for {limit:.0f} s"
                ) from None
            if isinstance(item, protocol.Token):
                if self.first_token_at is None:
                    self.first_token_at = asyncio.get_running_loop().time()
                yield item.text
            elif isinstance(item, protocol.Done):
                self.done = item
            elif isinstance(item, protocol.Failed):
                raise LlmError(
                    f"generation failed in the worker: {item.error}",
                    spoken=item.spoken or None,
                    phrase=item.phrase or None,
                )
            else:
                raise item


class LlmClient(Service):
    name = "llm"

    def __init__(
        self,
        settings: LlmSettings,
        journal: Journal,
        on_state: StateListener,
        *,
        system_prompt: str = "",
        models_dir: Path | None = None,
        python: str = sys.executable,
        on_retrying: Callable[[str], None] = lambda reason: None,
    ) -> None:
        super().__init__()
        self._on_retrying = on_retrying
        self._killed = False
        """The last worker was killed for memory (SIGKILL, or the cgroup's oom_kill rose)."""
        self._oom = OomWitness()
        self.retrying = ""
        """Why loading keeps failing ("" until `MAX_FAILED_LOADS` in a row; `OUT_OF_MEMORY`)."""
        self._models_dir = models_dir or cache_dir()
        """Where `LlmSettings.model` names are looked up (`general.models_dir`)."""
        self._settings = settings
        self._system_prompt = system_prompt
        """Prefilled by the worker at load: requests that start with it skip its prefill."""
        self._journal = journal
        self._on_state = on_state
        self._python = python
        self._state = LlmState.OFF
        self.failure_reason = ""
        self.failure: LlmError | None = None
        """Why the model cannot be loaded, said in the wearer's language (`Phrases.spoken`)."""
        self.model_name = ""
        self.vision = False
        """The loaded model takes camera images (it has a vision projector)."""
        self.warm_tokens = 0
        """System-prompt tokens the worker holds prefilled."""
        self.vision_failed = False
        """A vision projector was configured but could not be loaded."""
        self.vision_error = ""
        """Why the configured projector is not used."""
        self.prompt_format = ""
        self._image_error_told = False
        self._process: asyncio.subprocess.Process | None = None
        self._generations: dict[str, Generation] = {}
        self._ids = itertools.count(1)
        self._last_pong = 0.0
        self._loaded = asyncio.Event()
        self._failed_loads = 0
        self.was_ready = False
        """The model has been ready at least once (restarts after that are announced)."""

    @property
    def state(self) -> LlmState:
        return self._state

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def _set_state(self, state: LlmState, reason: str = "") -> None:
        if state is self._state:
            return
        self._state = state
        self._journal.publish("llm.state", state=state.value, reason=reason)
        self._on_state(state, reason)

    async def run(self) -> None:
        if self._state is not LlmState.OFF:
            self._set_state(LlmState.RESTARTING)
        self._set_state(LlmState.STARTING)
        self._loaded.clear()
        self._killed = False
        self._oom.started()
        process = await spawn(
            self._python,
            "-m",
            "vestsight.llm.worker",
            "--model",
            self._settings.model_path,
            "--model-name",
            self._settings.model,
            "--models-dir",
            str(self._models_dir),
            "--threads",
            str(self._settings.thread_count),
            "--context",
            str(self._settings.context_tokens),
            "--chat-format",
            self._settings.chat_format,
            "--projector",
            self._settings.projector_path,
            "--batch",
            str(self._settings.batch_tokens),
            "--nice",
            str(self._settings.nice),
            *(["--batch-scheduling"] if self._settings.batch_scheduling else []),
            "--system-prompt",
            self._system_prompt,
            "--log-level",
            logging.getLevelName(logging.getLogger().getEffectiveLevel()),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            start_new_session=True,  # a Ctrl-C in the terminal is for the main process only
        )
        self._process = process
        self._journal.publish("llm.worker", pid=process.pid)
        watchers = [
            asyncio.create_task(self._read_messages(process), name="llm-reader"),
            asyncio.create_task(self._heartbeat(), name="llm-heartbeat"),
        ]
        try:
            # The watchers only ever end by raising (worker died, hung, spoke garbage).
            await run_until_first_failure(self._wait_loaded(), watchers)
            if self._state is not LlmState.FAILED:
                self._failed_loads = 0
                self.retrying = ""
                await run_until_first_failure(asyncio.Future(), watchers)
        except LlmError as err:
            if not self._loaded.is_set():
                self._failed_loads += 1
                if self._failed_loads == MAX_FAILED_LOADS:
                    reason = OUT_OF_MEMORY if self._killed else str(err)
                    self.retrying = reason
                    _LOGGER.error("%d failed loads (%s): still trying", MAX_FAILED_LOADS, reason)
                    self._journal.publish(
                        "llm.retrying", failed_loads=MAX_FAILED_LOADS, reason=reason
                    )
                    self._on_retrying(reason)
            raise  # the supervisor starts it again after its backoff
        finally:
            if self._state is not LlmState.FAILED:
                self._set_state(LlmState.RESTARTING)  # no request may start until ready again
            await self._stop_worker(process, watchers)
        # The model cannot be loaded. Not retried: a missing or damaged file stays so until the
        # maker fixes it; the state stays "failed" and the fast path works without the model.
        await asyncio.Future()

    async def _stop_worker(
        self, process: asyncio.subprocess.Process, watchers: list[asyncio.Task[None]]
    ) -> None:
        self.ready.clear()
        await cancel_and_wait(watchers)
        self._fail_generations(WorkerRestarting("the description engine stopped"))
        await self._stop_process(process)
        self._process = None

    async def _read_messages(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        while True:
            try:
                message = await protocol.read_message(process.stdout)
            except (ProtocolError, asyncio.IncompleteReadError) as err:
                raise ProtocolError(f"worker sent a malformed message: {err}") from err
            if message is None:
                code = await process.wait()
                self._killed = self._oom.killed_for_memory(code)
                reason = "killed for memory" if self._killed else f"exit code {code}"
                raise WorkerRestarting(f"the description engine worker died: {reason}")
            self._dispatch(message)

    def _dispatch(self, message: protocol.Message) -> None:
        match message:
            case protocol.Token(request_id=rid) | protocol.Failed(request_id=rid):
                if (generation := self._generations.get(rid)) is not None:
                    generation._items.put_nowait(message)
            case protocol.Started(request_id=rid):
                generation = self._generations.get(rid)
                if generation is not None:
                    generation.started = message
                self._journal.publish(
                    "llm.request",
                    id=rid,
                    image_bytes=generation.image_bytes if generation is not None else 0,
                    prompt_tokens=message.prompt_tokens,
                    cached=message.cached_tokens,
                    image_tokens=message.image_tokens,
                    image_error=message.image_error,
                )
            case protocol.Done(request_id=rid):
                self._journal.publish(
                    "llm.done",
                    id=rid,
                    reason=message.finish_reason,
                    tokens=message.completion_tokens,
                    prompt=message.prompt_tokens,
                    cached=message.cached_tokens,
                    first_token=message.first_token_seconds,
                    seconds=message.seconds,
                    image_tokens=message.image_tokens,
                    image_seconds=message.image_seconds,
                    image_error=message.image_error,
                )
                if (generation := self._generations.get(rid)) is not None:
                    generation._items.put_nowait(message)
            case protocol.Pong():
                self._last_pong = asyncio.get_running_loop().time()
            case protocol.Loading():
                self._set_state(LlmState.LOADING)
            case protocol.Ready():
                self.was_ready = True
                self.model_name = message.model
                self.vision = message.vision
                self.warm_tokens = message.warm_tokens
                self.vision_failed = message.vision_failed
                self.vision_error = message.vision_error
                self.prompt_format = message.prompt_format
                self._loaded.set()
                self.ready.set()
                self._set_state(LlmState.READY)
                _LOGGER.info("Model %s ready in %.1f s", message.model, message.load_seconds)
            case protocol.LoadFailed():
                self.failure_reason = message.error
                self.failure = LlmError(
                    message.error, advice=message.advice, spoken=message.error,
                    phrase=message.phrase or None,
                )  # fmt: skip
                _LOGGER.error("Model failed to load: %s (%s)", message.error, message.advice)
                self._loaded.set()
                self._set_state(LlmState.FAILED, message.error)
            case _:
                _LOGGER.warning("Unexpected %s message from the worker", message.type)

    async def _wait_loaded(self) -> None:
        try:
            await wait_within(self._loaded.wait(), self._settings.load_timeout_s)
        except TimeoutError:
            raise WorkerRestarting(
                f"the model did not load within {self._settings.load_timeout_s:.0f} s"
            ) from None

    async def _heartbeat(self) -> None:
        loop = asyncio.get_running_loop()
        interval = self._settings.heartbeat_s
        self._last_pong = loop.time()
        for seq in itertools.count(1):
            self._send(protocol.Ping(seq=seq))
            await asyncio.sleep(interval)
            if loop.time() - self._last_pong > 2 * interval:
                raise WorkerRestarting("the description engine stopped answering")

    def _send(self, message: protocol.Message) -> bool:
        process = self._process
        if process is None or process.stdin is None or process.stdin.is_closing():
            _LOGGER.debug("Worker gone, not sending %s", message.type)
            return False
        process.stdin.write(protocol.encode(message))
        return True

    def _kill_stuck_worker(self) -> None:
        process = self._process
        if process is not None and process.returncode is None:
            _LOGGER.error("Worker %d stopped producing tokens; killing it", process.pid)
            process.kill()  # the reader sees it die; the supervisor starts a new one

    async def _stop_process(self, process: asyncio.subprocess.Process) -> None:
        if process.returncode is None:
            if process.stdin is not None and not process.stdin.is_closing():
                process.stdin.close()
            try:
                await wait_within(process.wait(), SHUTDOWN_GRACE_S)
            except TimeoutError:
                process.kill()
                await process.wait()

    def _fail_generations(self, error: LlmError) -> None:
        for generation in self._generations.values():
            generation._items.put_nowait(error)

    def first_image_error(self, generation: Generation) -> str:
        """`generation`'s image error the first time one happens (said once), else ""."""
        if not generation.image_error or self._image_error_told:
            return ""
        self._image_error_told = True
        return generation.image_error

    def set_system_prompt(self, text: str) -> None:
        """The wearer's new language: prefilled now if the worker runs, and at every restart."""
        if text == self._system_prompt:
            return
        self._system_prompt = text
        working = self._state in (LlmState.LOADING, LlmState.READY)  # queued after the load
        if working and self._send(protocol.Warm(system_prompt=text)):
            self._journal.publish("llm.warm", characters=len(text))

    @contextlib.asynccontextmanager
    async def generate(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int | None = None,
        image: bytes = b"",
        image_type: str = "image/jpeg",
    ) -> AsyncIterator[Generation]:
        """Stream an answer; leaving the block early cancels it in the worker.

        `image` (encoded as `image_type`) is sent only when the model takes images.
        """
        if self._state is not LlmState.READY:
            if self._state is LlmState.FAILED:
                raise LlmError(f"description engine failed: {self.failure_reason}")
            raise WorkerNotReady(f"description engine is {self._state.value}")
        image = image if self.vision else b""
        generation = Generation(
            request_id=f"r{next(self._ids)}",
            first_token_timeout=self._settings.first_token_timeout_s,
            token_timeout=self._settings.token_timeout_s,
            on_stall=self._kill_stuck_worker,
            image_bytes=len(image),
        )
        sent = self._send(
            protocol.Generate(
                request_id=generation.request_id,
                messages=messages,
                max_tokens=max_tokens or self._settings.max_answer_tokens,
                temperature=self._settings.temperature,
                seed=self._settings.seed,
                image_type=image_type if image else "",
                payload=image,
            )
        )
        if not sent:
            raise WorkerRestarting("the description engine is restarting")
        self._generations[generation.request_id] = generation
        self._journal.publish(
            "llm.send", id=generation.request_id, image_bytes=len(image), messages=len(messages)
        )
        try:
            yield generation
        finally:
            del self._generations[generation.request_id]
            if generation.done is None:
                self._send(protocol.Cancel(request_id=generation.request_id))
                self._journal.publish("llm.cancel", id=generation.request_id)
