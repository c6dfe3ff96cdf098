"""The vision service: detectors run in one thread of their own, never on the event loop.

Requests go into a single slot: the newest frame wins. If a frame is still waiting when a newer
one arrives, the older request ends with `FrameSuperseded` instead of queueing up stale work.
A detector that cannot open (its model is missing, say) is reported once and left out; the
others carry on.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..camera.base import Frame
from ..errors import VisionError
from ..supervisor import Service
from .detections import Detection, Scene
from .detectors import Detector

_LOGGER = logging.getLogger(__name__)


class FrameSuperseded(VisionError):
    """A newer frame took this frame's place before it was analysed."""

    spoken = ""


@dataclass
class _Request:
    frame: Frame
    future: asyncio.Future[Scene]


UnavailableHandler = Callable[[str, VisionError], None]
"""Called on the loop with a detector's name and why it cannot be used."""

_STOP = object()
T = TypeVar("T")


class VisionService(Service):
    name = "vision"
    spoken_name = "vision"

    def __init__(self, detectors: list[Detector], on_unavailable: UnavailableHandler) -> None:
        super().__init__()
        self._detectors = detectors
        self._on_unavailable = on_unavailable
        self._usable: list[Detector] = []
        self._slot: _Request | object | None = None
        self._wake = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def detector_names(self) -> list[str]:
        return [d.name for d in self._usable]

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._usable = []
        self._slot = None
        opened: asyncio.Future[None] = self._loop.create_future()
        stopped: asyncio.Future[None] = self._loop.create_future()
        thread = threading.Thread(
            target=self._thread_main, args=(opened, stopped), name="vision", daemon=True
        )
        thread.start()
        try:
            await opened
            _LOGGER.info("Vision ready: %s", ", ".join(self.detector_names) or "no detectors")
            self.ready.set()
            await stopped  # only ends if the thread dies
        finally:
            with self._wake:
                pending, self._slot = self._slot, _STOP
                self._wake.notify()
            if isinstance(pending, _Request) and not pending.future.done():
                pending.future.cancel()
            await asyncio.to_thread(thread.join)

    async def analyse(self, frame: Frame) -> Scene:
        """Run every usable detector on `frame`, off the loop."""
        if not self.ready.is_set() or self._loop is None:
            raise VisionError("vision is not ready", advice="it is starting or restarting")
        request = _Request(frame, self._loop.create_future())
        with self._wake:
            older, self._slot = self._slot, request
            self._wake.notify()
        if isinstance(older, _Request) and not older.future.done():
            older.future.set_exception(FrameSuperseded(f"frame {older.frame.number} superseded"))
        return await request.future

    # --- the vision thread ------------------------------------------------------------------

    def _thread_main(self, opened: asyncio.Future[None], stopped: asyncio.Future[None]) -> None:
        try:
            self._open_detectors()
            self._resolve(opened, None)
            while (request := self._take()) is not None:
                self._analyse(request)
        except Exception as err:
            _LOGGER.exception("Vision thread died")
            self._fail(opened, stopped, err)
            return
        finally:
            for detector in self._usable:
                detector.close()
        self._resolve(stopped, None)

    def _open_detectors(self) -> None:
        for detector in self._detectors:
            try:
                detector.open()
            except VisionError as err:
                _LOGGER.error("Detector %s unavailable: %s", detector.name, err)
                self._call_soon(self._on_unavailable, detector.name, err)
                continue
            self._usable.append(detector)

    def _take(self) -> _Request | None:
        with self._wake:
            while self._slot is None:
                self._wake.wait()
            request, self._slot = self._slot, None
            if request is _STOP:
                return None
            assert isinstance(request, _Request)
            return request

    def _analyse(self, request: _Request) -> None:
        detections: list[Detection] = []
        timings: dict[str, float] = {}
        pixels = request.frame.pixels
        try:
            for detector in self._usable:
                started = time.perf_counter()
                detections.extend(detector.detect(pixels))
                timings[detector.name] = round((time.perf_counter() - started) * 1000, 1)
        except Exception as err:
            _LOGGER.exception("Detection failed on frame %d", request.frame.number)
            error = VisionError(f"detection failed: {err}")
            self._call_soon(_settle_error, request.future, error)
            return
        scene = Scene(
            request.frame.number, request.frame.width, request.frame.height,
            tuple(detections), timings,
        )  # fmt: skip
        self._resolve(request.future, scene)

    def _resolve(self, future: asyncio.Future[T], value: T) -> None:
        self._call_soon(_settle, future, value)

    def _fail(self, *futures_and_error: object) -> None:
        *futures, error = futures_and_error
        for future in futures:
            assert isinstance(future, asyncio.Future)
            self._call_soon(_settle_error, future, VisionError(f"vision thread died: {error}"))

    def _call_soon(self, callback: Callable[..., None], *args: object) -> None:
        assert self._loop is not None
        try:
            self._loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:
            _LOGGER.debug("Event loop closed; dropped a vision result")


def _settle(future: asyncio.Future[T], value: T) -> None:
    if not future.done():
        future.set_result(value)


def _settle_error(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
