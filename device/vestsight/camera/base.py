"""The camera interface: frames as read-only RGB numpy arrays, captured off the event loop."""

from __future__ import annotations

import abc
import asyncio
import logging
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..aio import wait_within
from ..errors import CameraError
from ..supervisor import Service

_LOGGER = logging.getLogger(__name__)

Pixels = npt.NDArray[np.uint8]


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
    """Blocking device access; `CameraService` calls these from a worker thread."""

    description = "camera"

    @abc.abstractmethod
    def open(self) -> None: ...

    @abc.abstractmethod
    def capture(self) -> Frame: ...

    @abc.abstractmethod
    def close(self) -> None: ...


class CameraService(Service):
    """Owns the camera: opens it, hands out frames, and fails (to be restarted) when it breaks."""

    name = "camera"
    spoken_name = "camera"

    def __init__(self, backend: CameraBackend, capture_timeout_s: float = 5.0) -> None:
        super().__init__()
        self._backend = backend
        self._capture_timeout_s = capture_timeout_s
        self._broken: asyncio.Future[CameraError] | None = None
        self._capture_turn = asyncio.Lock()

    async def run(self) -> None:
        await asyncio.to_thread(self._backend.open)
        self._broken = asyncio.get_running_loop().create_future()
        _LOGGER.info("Camera ready: %s", self._backend.description)
        self.ready.set()
        try:
            raise await self._broken
        finally:
            self._broken = None
            await asyncio.to_thread(self._backend.close)

    async def capture(self) -> Frame:
        """The next frame; `CameraError` if the camera is not working (it is then restarted)."""
        if not self.ready.is_set():
            raise CameraError("camera is not ready", advice="it is starting or restarting")
        async with self._capture_turn:
            try:
                return await wait_within(
                    asyncio.to_thread(self._backend.capture), self._capture_timeout_s
                )
            except TimeoutError as err:
                error = CameraError(
                    f"no frame within {self._capture_timeout_s:.0f} s",
                    advice="the camera stalled; check its cable",
                )
                self._report_broken(error)
                raise error from err
            except CameraError as err:
                self._report_broken(err)
                raise
            except (OSError, RuntimeError, ValueError) as err:
                error = CameraError(f"capture failed: {err}", advice="check the camera cable")
                self._report_broken(error)
                raise error from err

    def _report_broken(self, error: CameraError) -> None:
        self.ready.clear()
        if self._broken is not None and not self._broken.done():
            self._broken.set_result(error)
