"""Simulated camera: real photos from disk, delivered like the Pi camera delivers frames.

The source is one photo, a folder of photos (taken in name order, round and round), or by
default the real photographs that scikit-image ships. Each photo is scaled and centre-cropped to
the configured frame size, as the chest camera would frame it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from ..errors import CameraError
from .base import CameraBackend, Frame, make_frame

_LOGGER = logging.getLogger(__name__)

PHOTO_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})

SKIMAGE_PHOTOS = ("astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg", "page.png")
"""Photographs of real scenes among scikit-image's data files (no download needed)."""


def skimage_photo_dir() -> Path:
    import skimage.data  # only the simulated camera needs scikit-image's files

    return Path(skimage.data.__file__).parent


def find_photos(source: str) -> list[Path]:
    if not source:
        folder = skimage_photo_dir()
        photos = [folder / name for name in SKIMAGE_PHOTOS if (folder / name).exists()]
        if not photos:
            raise CameraError(
                "scikit-image ships none of the expected photos",
                advice="set camera.photos to a photo or a folder of photos",
            )
        return photos
    path = Path(source).expanduser()
    if path.is_file():
        return [path]
    if path.is_dir():
        photos = sorted(p for p in path.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES)
        if photos:
            return photos
        raise CameraError(f"no photos in {path}", advice="put .jpg or .png files there")
    raise CameraError(f"camera.photos {path} does not exist", advice="fix camera.photos")


class PhotoCamera(CameraBackend):
    def __init__(self, source: str, width: int, height: int) -> None:
        self._source = source
        self._size = (width, height)
        self._photos: list[Path] = []
        self._count = 0
        self.description = f"simulated camera, photos from {source or 'scikit-image'}"

    def open(self) -> None:
        self._photos = find_photos(self._source)
        self._count = 0
        _LOGGER.info("Simulated camera: %d photo(s), %dx%d", len(self._photos), *self._size)

    def capture(self) -> Frame:
        if not self._photos:
            raise CameraError("simulated camera is not open")
        path = self._photos[self._count % len(self._photos)]
        self._count += 1
        try:
            with Image.open(path) as image:
                framed = ImageOps.fit(image.convert("RGB"), self._size, Image.Resampling.BILINEAR)
        except OSError as err:
            raise CameraError(
                f"cannot read photo {path}: {err}", advice="replace the file"
            ) from err
        return make_frame(np.asarray(framed, dtype=np.uint8), self._count, path.name)

    def close(self) -> None:
        self._photos = []
