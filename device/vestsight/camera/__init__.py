"""Camera: one interface, a Pi camera backend and a simulated (real photos) backend."""

from __future__ import annotations

from ..settings import CameraSettings
from .base import CameraBackend, CameraService, Frame


def make_camera(settings: CameraSettings) -> CameraBackend:
    if settings.backend == "picamera2":
        from .picamera import Picamera2Camera

        return Picamera2Camera(settings.width, settings.height)
    from .photos import PhotoCamera

    return PhotoCamera(settings.photos, settings.width, settings.height)


__all__ = ["CameraBackend", "CameraService", "Frame", "make_camera"]
