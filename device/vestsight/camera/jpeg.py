"""A frame as the JPEG the description model is shown: scaled down, encoded off the loop."""

from __future__ import annotations

import io

from PIL import Image

from .base import Pixels

MODEL_IMAGE_SIDE = 768
"""Gemma 3n's vision encoder sees 768 x 768; a larger image only costs encoding time."""


def model_jpeg(pixels: Pixels, side: int = MODEL_IMAGE_SIDE, quality: int = 85) -> bytes:
    image = Image.fromarray(pixels)  # height x width x 3 uint8: RGB
    image.thumbnail((side, side), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()
