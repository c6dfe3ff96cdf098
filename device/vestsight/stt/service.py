"""Speech-to-text as a supervised service: the model loaded once, questions transcribed on the
service's own thread, never on the event loop.

The files are checked (size, sha256 against the manifest) and the model loaded at start, in the
background: "ready" never waits for it. Between questions the model need not take memory (about
200 MB, a tenth of the vest's): `keep_loaded_s` after the last question it is let go, and
`warm()`, called as the wearer starts speaking, loads it again while they speak (about a second,
well within a question's length), so the answer is not later for it.

A missing or damaged model does not restart the service over and over: it is `failed` with its
reason, said once, and a question asked meanwhile is answered with that reason; everything else
works on. A transcription in progress cannot be interrupted (it takes about a second); a press
that cancels the question just drops its result.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ctypes
import ctypes.util
import enum
import gc
import logging
from collections.abc import Callable
from pathlib import Path

from ..aio import wait_within
from ..errors import SttError, SttModelError
from ..journal import Journal
from ..settings import SttSettings
from ..supervisor import Service
from .model_files import model_files
from .whisper import Transcript, WhisperEngine, pcm_to_floats

_LOGGER = logging.getLogger(__name__)


class SttState(enum.StrEnum):
    OFF = "off"
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"


class SpeechRecognizer(Service):
    name = "stt"

    def __init__(
        self,
        settings: SttSettings,
        models_dir: Path,
        journal: Journal,
        on_failed: Callable[[SttModelError], None] = lambda error: None,
    ) -> None:
        super().__init__()
        self._settings = settings
        self._models_dir = models_dir
        self._journal = journal
        self._on_failed = on_failed
        self._engine: WhisperEngine | None = None
        self._loading: asyncio.Future[WhisperEngine] | None = None
        self._release: asyncio.TimerHandle | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self.state = SttState.OFF if not settings.enabled else SttState.LOADING
        self.failure: SttModelError | None = None
        self.settled = asyncio.Event()
        """Set once the model has loaded or failed to."""

    async def run(self) -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="stt")
        self.state = SttState.LOADING
        try:
            await self._load_once()
            await asyncio.Future()  # serve (or stay failed, quietly) until cancelled
        finally:
            if self._release is not None:
                self._release.cancel()
            self._engine = None
            self._executor.shutdown(wait=False, cancel_futures=True)

    async def _load_once(self) -> None:
        assert self._executor is not None
        loop = asyncio.get_running_loop()
        try:
            engine = await loop.run_in_executor(self._executor, self._load)
        except SttModelError as err:
            _LOGGER.error("Speech-to-text unavailable: %s", err)
            self.state, self.failure = SttState.FAILED, err
            self._journal.publish("stt.failed", error=str(err))
            self.settled.set()
            self._on_failed(err)
            return
        self._engine = engine
        self.state = SttState.READY
        self._journal.publish(
            "stt.ready", model=engine.files.model.name, threads=self._settings.thread_count
        )
        self.settled.set()
        self.ready.set()
        self._release_later()

    def warm(self) -> None:
        """The wearer has started to speak: load the model now if it was let go (if it is
        loaded, its countdown starts again, so a question cancelled unasked still lets it go)."""
        executor = self._executor  # None until the service runs
        if self._engine is not None:
            self._release_later()
        elif self._loading is None and executor is not None and self.state is SttState.READY:
            loading = asyncio.get_running_loop().run_in_executor(executor, self._load)
            loading.add_done_callback(self._loaded_again)
            self._loading = loading

    def _loaded_again(self, loading: asyncio.Future[WhisperEngine]) -> None:
        self._loading = None
        if loading.cancelled():
            return
        if isinstance(err := loading.exception(), SttModelError):  # the file went bad since
            _LOGGER.error("Speech-to-text unavailable: %s", err)
            self.state, self.failure = SttState.FAILED, err
            self._journal.publish("stt.failed", error=str(err))
            self._on_failed(err)
            return
        if err is not None:
            _LOGGER.error("Speech-to-text could not load again: %r", err)
            return
        self._engine = loading.result()
        self._journal.publish("stt.loaded")
        self._release_later()  # a question cancelled before it was asked lets it go too

    async def _loaded(self) -> WhisperEngine:
        """The model, loaded again if it was let go; `SttError` if it cannot be."""
        self.warm()
        if self._loading is not None:
            await asyncio.shield(self._loading)
        if self._engine is None:
            raise self.failure or SttError("speech-to-text could not load its model again")
        return self._engine

    def _release_later(self) -> None:
        if self._settings.keep_loaded_s <= 0:
            return
        if self._release is not None:
            self._release.cancel()
        self._release = asyncio.get_running_loop().call_later(
            self._settings.keep_loaded_s, self._let_go
        )

    def _let_go(self) -> None:
        """Free the model's memory until the next question (see the module's text)."""
        self._release = None
        if self._engine is None or self._executor is None:
            return
        self._engine = None
        self._executor.submit(_return_freed_memory)
        self._journal.publish("stt.released", after_s=self._settings.keep_loaded_s)

    def _load(self) -> WhisperEngine:
        settings = self._settings
        files = model_files(settings.model, settings.model_path, self._models_dir)
        engine = WhisperEngine(files, threads=settings.thread_count, beam_size=settings.beam_size)
        engine.load()
        return engine

    async def transcribe(self, pcm: bytes, own_language: str) -> Transcript:
        """The text of 16-kHz 16-bit mono `pcm`; `SttError` if it cannot be had in time."""
        executor = self._executor
        if executor is None or self.state is not SttState.READY:
            raise self.failure or SttError("speech-to-text is not ready")
        engine = await self._loaded()
        samples = pcm_to_floats(pcm)
        languages = self._settings.language_codes
        weights = {own_language: self._settings.own_language_weight}
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(executor, engine.transcribe, samples, languages, weights)
        try:
            return await wait_within(job, self._settings.timeout_s)
        except TimeoutError as err:
            raise SttError(
                f"transcription took longer than {self._settings.timeout_s} s",
                advice="a slower machine than the Pi 5, or too many threads: see stt.threads",
            ) from err
        finally:
            self._release_later()


def _return_freed_memory() -> None:
    """Collect the let-go model and hand the freed heap back to the system (glibc keeps it
    otherwise: measured 120 MB kept of 200 without `malloc_trim`, 20 with it)."""
    gc.collect()
    if (libc := ctypes.util.find_library("c")) is not None:
        trim = getattr(ctypes.CDLL(libc), "malloc_trim", None)
        if trim is not None:
            trim(0)
