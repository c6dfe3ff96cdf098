"""Simulated camera: real photos from disk, delivered like the Pi camera delivers frames.

The source is one photo, a folder of photos (taken in name order, round and round), or by
default the real photographs that scikit-image ships. Each photo is scaled and centre-cropped to
the configured frame size, as the chest camera would frame it.

A photo that cannot be read (damaged, not an image, too large to decode safely) is skipped and
named in the log, so one bad file never blocks the camera; only when no photo can be read does
a capture fail with a `CameraError` (and the camera is restarted, reading the source again).
A photo replaced by one that cannot be read is the simulated camera unplugged: it opens, but gives
no frame (and so is not ready) until a readable photo is back.
"""

from __future__ import annotations

import logging
import warnings
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
        path, framed = self._in_view()
        self._count += 1
        return make_frame(np.asarray(framed, dtype=np.uint8), self._count, path.name)

    def check(self) -> None:
        """Frame the photo next in turn without taking it (the next capture still shows it)."""
        self._in_view()

    def _in_view(self) -> tuple[Path, Image.Image]:
        """The next readable photo in turn, framed; unreadable ones are skipped and dropped."""
        if not self._photos:
            raise CameraError("simulated camera is not open")
        errors = []
        while self._photos:
            path = self._photos[self._count % len(self._photos)]
            try:
                return path, self._frame(path)
            except CameraError as err:
                _LOGGER.error("Simulated camera: skipping %s", err)
                errors.append(err)
                self._photos.remove(path)  # until the camera is opened again
        raise CameraError(
            f"no photo can be read: {errors[-1]}", advice="replace the photos in camera.photos"
        ) from errors[-1]

    def _frame(self, path: Path) -> Image.Image:
        try:
            with warnings.catch_warnings():
                # Between one and two times Pillow's pixel limit is a warning: treated as the
                # error it is above (a photo that size would use gigabytes to decode).
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(path) as image:
                    return ImageOps.fit(image.convert("RGB"), self._size, Image.Resampling.BILINEAR)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
            raise CameraError(
                f"photo {path} is too large to read: {err}", advice="use a smaller photo"
            ) from err
        except (OSError, ValueError, SyntaxError) as err:  # Pillow's decoders raise all three
            raise CameraError(
                f"cannot read photo {path}: {err}", advice="replace the file"
            ) from err

    def close(self) -> None:
        self._photos = []
