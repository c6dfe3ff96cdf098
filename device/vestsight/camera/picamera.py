"""The Pi camera through picamera2 (imported here only; it exists on Raspberry Pi OS)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from ..errors import CameraError
from .base import CameraBackend, Frame, make_frame

_LOGGER = logging.getLogger(__name__)


class Picamera2Camera(CameraBackend):
    description = "Pi camera (picamera2)"

    def __init__(self, width: int, height: int) -> None:
        self._size = (width, height)
        self._camera: Any = None
        self._count = 0

    def open(self) -> None:
        try:
            from picamera2 import Picamera2
        except ImportError as err:
            raise CameraError(
                "picamera2 is not installed",
                advice="on Raspberry Pi OS: apt install python3-picamera2, and create the venv "
                'with --system-site-packages; elsewhere set camera.backend = "simulated"',
            ) from err
        camera = None
        try:
            camera = Picamera2()
            # "RGB888" is stored B, G, R per pixel; queue=False: a capture waits for a new frame
            # rather than returning one queued earlier (the freshest frame wins).
            config = camera.create_video_configuration(
                main={"size": self._size, "format": "RGB888"}, buffer_count=2, queue=False
            )
            camera.configure(config)
            camera.start()
        except (RuntimeError, IndexError, OSError) as err:
            if camera is not None:  # half open: let the device go, or the next open finds it busy
                _close_quietly(camera)
            raise CameraError(
                f"cannot open the Pi camera: {err}",
                advice="check the ribbon cable and `rpicam-hello --list-cameras`",
            ) from err
        self._camera = camera
        self._count = 0

    def capture(self) -> Frame:
        bgr = self._array()
        self._count += 1
        return make_frame(np.ascontiguousarray(bgr[:, :, 2::-1]), self._count, "picamera2")

    def check(self) -> None:
        """A frame arrives (not counted: frames handed out are numbered from 1)."""
        self._array()

    def _array(self) -> Any:
        if self._camera is None:
            raise CameraError("camera is not open")
        return self._camera.capture_array("main")

    def close(self) -> None:
        camera, self._camera = self._camera, None
        if camera is not None:
            try:
                camera.stop()
            finally:
                camera.close()


def _close_quietly(camera: Any) -> None:
    try:
        camera.close()
    except Exception as err:  # noqa: BLE001 - the open's own error is the one to report
        _LOGGER.warning("Closing a half-open Pi camera failed: %r", err)
