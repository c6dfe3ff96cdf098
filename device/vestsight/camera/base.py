"""The camera interface: frames as read-only RGB numpy arrays, captured on the camera's own thread.

`CameraService` is ready only once the camera gave a frame. When a working camera breaks (a
capture fails or stalls), `run()` raises and the supervisor says so and restarts it; the new run
then opens the camera and takes a frame until that works, waiting `RETRY_DELAYS_S` between tries,
so a camera plugged back in is working again within the last of those delays (2 s) plus its open
and one frame (plus what is left of the supervisor's restart delay, if it came back during it:
0.5 s after a first failure). Each try is bounded (`open_timeout_s`, `capture_timeout_s`); a
call that hangs in the driver holds only a thread the service then leaves behind
(`device_thread.py`).
"""

from __future__ import annotations

import abc
import asyncio
import itertools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from ..aio import wait_within
from ..errors import CameraError
from ..supervisor import Service
from .device_thread import DeviceThread

_LOGGER = logging.getLogger(__name__)

Pixels = npt.NDArray[np.uint8]
T = TypeVar("T")

RETRY_DELAYS_S = (0.5, 1.0, 2.0)
"""Seconds between tries to bring back a camera that gives no frame; the last one repeats."""
OPEN_TIMEOUT_S = 10.0
"""An open taking longer is a failed try (picamera2 opens in about a second on the Pi 5)."""
CLOSE_TIMEOUT_S = 5.0
"""A close taking longer is logged and left to finish on its own thread."""

_THREAD_NUMBERS = itertools.count(1)


@dataclass(frozen=True)
class Frame:
    pixels: Pixels
    """Height x width x 3, RGB, uint8, read-only: a frame is shared, never modified."""
    number: int
    """Counts up from 1 for each frame this camera produced."""
    captured_at: float
    """`time.monotonic()` when the frame was taken."""
    source: str
    """Where it came from: the photo's file name, or ``picamera2``."""

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


def make_frame(pixels: Pixels, number: int, source: str) -> Frame:
    pixels = np.ascontiguousarray(pixels)
    pixels.setflags(write=False)
    return Frame(pixels=pixels, number=number, captured_at=time.monotonic(), source=source)


class CameraBackend(abc.ABC):
    """Blocking device access; `CameraService` calls these on its own thread, one at a time."""

    description = "camera"

    @abc.abstractmethod
    def open(self) -> None: ...

    @abc.abstractmethod
    def capture(self) -> Frame: ...

    def check(self) -> None:
        """Take a frame that is not handed out: `CameraError` (or `OSError`, ...) if none comes.

        A backend whose frames are a sequence (the simulated camera's photos) overrides this so
        that the check does not use one up.
        """
        self.capture()

    @abc.abstractmethod
    def close(self) -> None: ...


class CameraService(Service):
    """Owns the camera: opens it, hands out frames, and fails (to be restarted) when it breaks.

    `ready` is set exactly when a frame was taken after (re)opening, and cleared as soon as a
    capture fails. While the camera gives no frame, `run()` keeps trying (`RETRY_DELAYS_S`) and
    `problem` says why; captures meanwhile fail with it at once.
    """

    name = "camera"

    def __init__(
        self,
        backend: CameraBackend,
        capture_timeout_s: float = 5.0,
        *,
        open_timeout_s: float = OPEN_TIMEOUT_S,
        retry_delays_s: Sequence[float] = RETRY_DELAYS_S,
    ) -> None:
        super().__init__()
        if not retry_delays_s:
            raise ValueError("retry_delays_s is empty")
        self._backend = backend
        self._capture_timeout_s = capture_timeout_s
        self._open_timeout_s = open_timeout_s
        self._retry_delays_s = tuple(retry_delays_s)
        self._thread: DeviceThread | None = None
        self._broken: asyncio.Future[CameraError] | None = None
        """Resolved by the capture that found this opening of the camera broken."""
        self._capture_turn = asyncio.Lock()
        self._problem: CameraError | None = None

    @property
    def problem(self) -> CameraError | None:
        """Why the camera gave no frame at its last try (None once it works)."""
        return self._problem

    async def run(self) -> None:
        self._thread = _new_thread()
        try:
            await self._connect()
            broken = self._broken = asyncio.get_running_loop().create_future()
            _LOGGER.info("Camera ready: %s", self._backend.description)
            self.ready.set()
            raise await broken
        finally:
            self.ready.clear()
            self._broken = None
            try:
                await self._close()
            finally:  # even if cancelled again while closing
                if self._thread is not None:
                    self._thread.stop()
                self._thread = None

    async def _connect(self) -> None:
        """Open the camera and take a frame; until both work, close it and try again."""
        attempt = 0
        said = ""
        while True:
            try:
                await self._call(self._backend.open, self._open_timeout_s, "open")
                await self._call(self._backend.check, self._capture_timeout_s, "capture")
            except CameraError as err:
                self._problem = err
            else:
                self._problem = None
                return
            delay = self._retry_delays_s[min(attempt, len(self._retry_delays_s) - 1)]
            attempt += 1
            if str(self._problem) != said:  # the same problem again is not logged again
                said = str(self._problem)
                _LOGGER.warning("Camera not working: %s; trying again in %.1f s", said, delay)
            else:
                _LOGGER.debug("Camera still not working after %d tries", attempt)
            await self._close()
            await asyncio.sleep(delay)

    async def capture(self) -> Frame:
        """The next frame; `CameraError` if the camera is not working (it is then restarted)."""
        self._check_ready()
        async with self._capture_turn:
            self._check_ready()  # it may have broken while this capture waited its turn
            broken = self._broken
            try:
                return await self._call(self._backend.capture, self._capture_timeout_s, "capture")
            except CameraError as err:
                self._report_broken(broken, err)
                raise

    def _check_ready(self) -> None:
        if self.ready.is_set():
            return
        problem = self._problem
        if problem is None:
            raise CameraError("camera is not ready", advice="it is starting or restarting")
        raise CameraError(f"camera is not ready: {problem.message}", advice=problem.advice)

    async def _call(self, function: Callable[[], T], within: float, action: str) -> T:
        """`function` (the backend's `action`) on the camera's thread; a `CameraError` if it
        fails or takes longer than `within` s.

        A call that took too long may hang in the driver for good: its thread is left to it, and
        the calls after it (closing, opening again) get a new one.
        """
        thread = self._thread
        if thread is None:
            raise CameraError("camera is not running", advice="it is starting or restarting")
        try:
            return await wait_within(thread.call(function), within)
        except TimeoutError as err:
            if self._thread is thread:
                thread.stop()
                self._thread = _new_thread()
            message = (
                f"no frame within {within:g} s"
                if action == "capture"
                else f"the camera did not {action} within {within:g} s"
            )
            raise CameraError(message, advice="the camera stalled; check its cable") from err
        except CameraError:
            raise
        except (OSError, RuntimeError, ValueError) as err:
            raise CameraError(f"{action} failed: {err}", advice="check the camera cable") from err

    async def _close(self) -> None:
        """Close the camera; a close that fails or hangs is logged, never raised."""
        try:
            await self._call(self._backend.close, CLOSE_TIMEOUT_S, "close")
        except CameraError as err:
            _LOGGER.warning("Camera close: %s", err)

    def _report_broken(
        self, broken: asyncio.Future[CameraError] | None, error: CameraError
    ) -> None:
        """A capture from the opening that `broken` belongs to failed: that run ends (and is
        restarted). A capture that began on an earlier opening never touches a later one."""
        if broken is None or broken.done():
            return
        if self._broken is broken:
            self.ready.clear()
            self._problem = error
        broken.set_result(error)


def _new_thread() -> DeviceThread:
    return DeviceThread(f"camera-{next(_THREAD_NUMBERS)}")
