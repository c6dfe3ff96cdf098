"""Barcodes and QR codes in a frame, decoded offline with zxing-cpp (Apache-2.0).

A product code (EAN-13, EAN-8, UPC-A, UPC-E) is a number: it is said digit by digit, as a code,
and never looked up (nothing leaves the vest). A QR code (or Data Matrix, Aztec, PDF417...) carries
text, which is read out like any text; one carrying only binary data is said to. zxing looks in
every direction and at several scales, light on dark too. Blocking (tens of milliseconds for a
1280x960 frame here): call `read_codes` in a worker thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

from ..camera.base import Pixels

_LOGGER = logging.getLogger(__name__)

PRODUCT_FORMATS = frozenset({"EAN13", "EAN8", "UPCA", "UPCE"})
MAX_SIDE = 2000
"""Larger images are scaled down first (zxing also tries smaller scales itself)."""


@dataclass(frozen=True)
class Code:
    format: str
    """zxing's name for the symbology: EAN13, QRCode, Code128..."""
    text: str
    """The number or the text it carries ("" for binary data)."""
    centre: tuple[float, float]
    """Where it is in the frame, 0..1 from the left and from the top."""

    @property
    def product(self) -> bool:
        return self.format in PRODUCT_FORMATS

    @property
    def spoken_number(self) -> str:
        """The digits one by one, "4 6 0 7 ..." (a code, not a quantity)."""
        return " ".join(ch for ch in self.text if ch.isalnum())


def read_codes(pixels: Pixels) -> list[Code]:
    """Every barcode and QR code zxing decodes in `pixels` (RGB or grey), each once, left to right.

    Never raises for a picture: a frame zxing cannot take is logged and has no codes.
    """
    grey = pixels if pixels.ndim == 2 else cv2.cvtColor(pixels[:, :, :3], cv2.COLOR_RGB2GRAY)
    height, width = grey.shape[:2]
    scale = min(1.0, MAX_SIDE / max(height, width, 1))
    if scale < 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    try:
        found = zxingcpp.read_barcodes(np.ascontiguousarray(grey))
    except (ValueError, RuntimeError) as err:
        _LOGGER.warning("Barcode reading failed on a %dx%d frame: %s", width, height, err)
        return []
    codes: dict[tuple[str, str], Code] = {}
    for barcode in found:
        if not barcode.valid:
            continue
        text = barcode.text if barcode.content_type != zxingcpp.ContentType.Binary else ""
        points = [barcode.position.top_left, barcode.position.top_right,
                  barcode.position.bottom_right, barcode.position.bottom_left]  # fmt: skip
        centre_x = sum(p.x for p in points) / 4 / max(1, grey.shape[1])
        centre_y = sum(p.y for p in points) / 4 / max(1, grey.shape[0])
        key = (barcode.format.name, text)
        codes.setdefault(key, Code(barcode.format.name, text, (centre_x, centre_y)))
    return sorted(codes.values(), key=lambda code: code.centre)
