"""The vision service: each detector runs in a thread of its own, never on the event loop.

Each detector has a lane: a thread that opened it (MediaPipe graphs stay in the thread that made
them) and a single slot where the newest request waits. A request waiting in a slot when a newer
frame arrives ends with `FrameSuperseded` instead of queueing up stale work. The lanes work side
by side, so a frame takes as long as its slowest detector, not the sum of them.

Each answer waits at most ``timeout_s`` for the detectors: one that is late (or fails on that
frame) is left out and named in `Scene.missing`, and what the others found is still said. A
detector still busy past the limit is skipped at once until it answers again, so a hung model
costs one wait, not one per press. A detector that cannot open (its model is missing, say) is
reported once and left out; the others carry on. Frames that are not H x W x 3 bytes of a
usable size are refused (`FrameRejected`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Collection
from typing import Any, TypeVar

import numpy as np

from ..camera.base import Frame, Pixels
from ..errors import VisionError
from ..supervisor import Service
from .detections import Detection, Scene
from .detectors import Detector
from .faults import FrameRejected, VisionFault, VisionTimeout

_LOGGER = logging.getLogger(__name__)

MIN_SIDE = 32
MAX_SIDE = 8192
OPEN_WAIT_S = 1.0
"""Vision is ready this long after it starts even if a detector is still opening."""
WARM_UP_SIDE = 64
JOIN_S = 5.0
"""How long stopping waits for a lane's thread (a hung detector's thread is left behind)."""


class FrameSuperseded(VisionError):
    """A newer frame took this frame's place before it was analysed."""

    spoken = ""


UnavailableHandler = Callable[[str, VisionError], None]
"""Called on the loop with a detector's name and why it cannot be used (or what replaced it)."""

Answer = tuple[list[Detection], float]
"""A lane's detections for one frame, and the milliseconds they took."""

_STOP = object()
T = TypeVar("T")


class _Request:
    def __init__(self, frame: Frame, future: asyncio.Future[Answer]) -> None:
        self.frame = frame
        self.future = future


class _Lane:
    """One detector, its thread, and the slot where its newest request waits."""

    def __init__(self, detector: Detector) -> None:
        self.detector = detector
        self.slot: _Request | object | None = None
        self.wake = threading.Condition()
        self.busy_since: float | None = None
        """`time.monotonic()` when the detector started on the frame it is working on."""
        self.thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self.detector.name

    def late(self, now: float, limit_s: float) -> bool:
        started = self.busy_since
        return started is not None and now - started > limit_s

    def put(self, item: _Request | object) -> _Request | None:
        """Put `item` in the slot; the request it replaced, if one was waiting."""
        with self.wake:
            older, self.slot = self.slot, item
            self.wake.notify()
        return older if isinstance(older, _Request) else None

    def withdraw(self, request: _Request) -> None:
        with self.wake:
            if self.slot is request:
                self.slot = None

    def take(self) -> _Request | None:
        with self.wake:
            while self.slot is None:
                self.wake.wait()
            request, self.slot = self.slot, None
        return request if isinstance(request, _Request) else None


def check_frame(pixels: Any) -> Pixels:
    """`pixels` if they are a frame the detectors can use, else `FrameRejected`."""
    if not isinstance(pixels, np.ndarray) or pixels.dtype != np.uint8:
        kind = getattr(pixels, "dtype", type(pixels).__name__)
        raise FrameRejected(f"frame of {kind}, not bytes", advice="the camera must give RGB bytes")
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise FrameRejected(
            f"frame of shape {pixels.shape}, not height x width x 3",
            advice="the camera must give RGB frames",
        )
    height, width = pixels.shape[:2]
    if min(height, width) < MIN_SIDE or max(height, width) > MAX_SIDE:
        raise FrameRejected(
            f"frame of {width}x{height} pixels",
            advice=f"camera.width and height must give frames {MIN_SIDE}..{MAX_SIDE} wide",
        )
    return pixels


class VisionService(Service):
    name = "vision"

    def __init__(
        self,
        detectors: list[Detector],
        on_unavailable: UnavailableHandler,
        timeout_s: float = 2.0,
        open_wait_s: float = OPEN_WAIT_S,
    ) -> None:
        super().__init__()
        self._detectors = detectors
        self._on_unavailable = on_unavailable
        self.timeout_s = timeout_s
        self._open_wait_s = open_wait_s
        self._lanes: list[_Lane] = []
        self._usable: list[_Lane] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def detector_names(self) -> list[str]:
        return [lane.name for lane in self._usable]

    @property
    def labels(self) -> frozenset[str]:
        """Everything the working detectors can name."""
        return frozenset().union(*(lane.detector.labels for lane in self._usable))

    def detectors_for(self, labels: Collection[str]) -> list[str]:
        """The working detectors that can name any of `labels`."""
        return [lane.name for lane in self._usable if lane.detector.labels & set(labels)]

    async def run(self) -> None:
        """Open every detector in its lane; ready once all are open or have failed, or after
        `open_wait_s`: a lane still opening (a big model loading) takes requests meanwhile and
        answers them once open; if it fails instead, it is reported and dropped then."""
        loop = self._loop = asyncio.get_running_loop()
        self._lanes = [_Lane(detector) for detector in self._detectors]
        self._usable = list(self._lanes)
        opened = [loop.create_future() for _ in self._lanes]
        died: asyncio.Future[None] = loop.create_future()
        for lane, ready in zip(self._lanes, opened, strict=True):
            lane.thread = threading.Thread(
                target=self._lane_main, args=(lane, ready, died), name=f"vision-{lane.name}",
                daemon=True,
            )  # fmt: skip
            lane.thread.start()
        try:
            if opened:
                await asyncio.wait(opened, timeout=self._open_wait_s)
            opening = [lane.name for lane, done in zip(self._lanes, opened, strict=True)
                       if not done.done()]  # fmt: skip
            _LOGGER.info(
                "Vision ready: %s%s", ", ".join(self.detector_names) or "no detectors",
                f" (still opening: {', '.join(opening)})" if opening else "",
            )  # fmt: skip
            self.ready.set()
            await died  # only ends if a lane's thread dies
        finally:
            self.ready.clear()
            for lane in self._lanes:
                older = lane.put(_STOP)
                if older is not None and not older.future.done():
                    older.future.cancel()
            for lane in self._lanes:
                if lane.thread is not None:
                    await asyncio.to_thread(lane.thread.join, JOIN_S)
                    if lane.thread.is_alive():
                        _LOGGER.error("Detector %s did not stop; its thread is left", lane.name)

    async def analyse(
        self, frame: Frame, wanted: Collection[str] | None = None, timeout_s: float | None = None
    ) -> Scene:
        """Run the usable detectors (those named in `wanted`, or all) on `frame`, off the loop.

        Waits at most `timeout_s` (default: the service's); detectors late or failing are named
        in the scene's `missing`. `VisionTimeout` if none answered in time.
        """
        loop = self._loop
        if not self.ready.is_set() or loop is None:
            raise VisionFault(
                "vision is not ready",
                advice="it is starting or restarting",
                phrase="vision_not_ready",
            )
        check_frame(frame.pixels)
        limit = self.timeout_s if timeout_s is None else timeout_s
        lanes = [lane for lane in self._usable if wanted is None or lane.name in wanted]
        now = time.monotonic()
        missing: list[tuple[str, str]] = [
            (lane.name, "late") for lane in lanes if lane.late(now, limit)
        ]
        asked: dict[_Lane, _Request] = {}
        for lane in lanes:
            if lane.late(now, limit):
                continue
            request = asked[lane] = _Request(frame, loop.create_future())
            older = lane.put(request)
            if older is not None and not older.future.done():
                older.future.set_exception(
                    FrameSuperseded(f"frame {older.frame.number} superseded")
                )
        try:
            if asked:
                await asyncio.wait([r.future for r in asked.values()], timeout=limit)
            if any(_superseded(r.future) for r in asked.values()):
                raise FrameSuperseded(f"frame {frame.number} superseded")
        except (asyncio.CancelledError, FrameSuperseded):
            for lane, request in asked.items():
                lane.withdraw(request)
                request.future.cancel()
            raise
        return self._scene(frame, lanes, asked, missing)

    def _scene(
        self,
        frame: Frame,
        lanes: list[_Lane],
        asked: dict[_Lane, _Request],
        missing: list[tuple[str, str]],
    ) -> Scene:
        detections: list[Detection] = []
        timings: dict[str, float] = {}
        for lane in lanes:
            if (request := asked.get(lane)) is None:
                continue
            future = request.future
            if not future.done():
                future.add_done_callback(_retrieve)
                missing.append((lane.name, "late"))
                _LOGGER.warning("Detector %s late on frame %d", lane.name, frame.number)
                continue
            if future.exception() is not None:
                missing.append((lane.name, "failed"))
                continue
            found, milliseconds = future.result()
            detections.extend(found)
            timings[lane.name] = milliseconds
        if lanes and len(missing) == len(lanes):
            if any(why == "late" for _name, why in missing):
                raise VisionTimeout(f"no detector answered on frame {frame.number} in time")
            raise VisionFault(
                f"every detector failed on frame {frame.number}", phrase="vision_failed"
            )
        return Scene(
            frame.number, frame.width, frame.height, tuple(detections), timings, tuple(missing)
        )

    # --- the lanes' threads ---------------------------------------------------------------------

    def _lane_main(
        self, lane: _Lane, opened: asyncio.Future[bool], died: asyncio.Future[None]
    ) -> None:
        detector = lane.detector
        try:
            detector.open()
        except Exception as err:  # noqa: BLE001 -- any failure to open is reported, never fatal
            error = err if isinstance(err, VisionError) else VisionError(f"cannot open: {err!r}")
            _LOGGER.error("Detector %s unavailable: %s", detector.name, error)
            self._call_soon(self._lane_failed, lane, error)
            self._call_soon(_settle, opened, False)
            return
        for problem in getattr(detector, "problems", ()):  # a subclass may skip __init__
            self._call_soon(self._on_unavailable, detector.name, problem)
        self._call_soon(_settle, opened, True)
        try:  # the first inference sets a model up: not on the wearer's first press
            detector.detect(np.zeros((WARM_UP_SIDE, WARM_UP_SIDE, 3), np.uint8))
        except Exception:  # a real frame will say what is wrong
            _LOGGER.warning("Detector %s failed to warm up", detector.name, exc_info=True)
        try:
            while (request := lane.take()) is not None:
                self._detect(lane, request)
        except Exception as err:
            _LOGGER.exception("Vision lane %s died", detector.name)
            self._call_soon(_settle_error, died, VisionError(f"vision thread died: {err}"))
        finally:
            detector.close()

    def _lane_failed(self, lane: _Lane, error: VisionError) -> None:
        """On the loop: drop a lane whose detector could not open, and say why."""
        if lane in self._usable:
            self._usable.remove(lane)
        waiting = lane.put(_STOP)
        if waiting is not None:
            _settle_error(waiting.future, VisionError(f"{lane.name} cannot open"))
        self._on_unavailable(lane.name, error)

    def _detect(self, lane: _Lane, request: _Request) -> None:
        if request.future.done():  # cancelled while it waited
            return
        started = time.perf_counter()
        lane.busy_since = time.monotonic()
        try:
            found = lane.detector.detect(request.frame.pixels)
        except Exception as err:  # one bad frame must not end the lane
            _LOGGER.exception("%s failed on frame %d", lane.name, request.frame.number)
            error = VisionError(f"{lane.name} failed: {err!r}")
            self._call_soon(_settle_error, request.future, error)
            return
        finally:
            lane.busy_since = None
        milliseconds = round((time.perf_counter() - started) * 1000, 1)
        self._call_soon(_settle, request.future, (found, milliseconds))

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


def _superseded(future: asyncio.Future[Any]) -> bool:
    return future.done() and isinstance(future.exception(), FrameSuperseded)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Take a late answer's error, if any, so nobody is warned it was never retrieved."""
    if not future.cancelled():
        future.exception()
