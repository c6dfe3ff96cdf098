"""Make measured text easy for tesseract: level, cropped, sized, evenly lit.

From a `TextLayout`: the text's box (with a margin) is cut out, turned so its lines are level
(one warp, which also scales), sized so that a letter is about `TARGET_CHAR_PX` high (tesseract's
models read best around there; tiny text is enlarged, huge text reduced), and the light is evened
out (each pixel divided by its local paper level), so a shadow or a gradient across a label does not
bury half of it. Light text on a dark band is inverted. Blocking: for a worker thread.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from ..camera.base import Pixels
from .text_region import Grey, TextLayout, grey_of

TARGET_CHAR_PX = 30.0
"""Median letter height tesseract is given."""
MAX_SCALE = 4.0
MIN_SCALE = 0.25
MAX_OUTPUT_PIXELS = 6_000_000
"""A bigger result is scaled down: a huge page must not take tesseract minutes."""
NEAR_CHARS = 0.5
"""Ink further than this many letter heights from every mark is blanked out."""
MARGIN_CHARS = 1.5
"""Margin kept around the text, in letter heights."""


def prepare(pixels: Pixels, layout: TextLayout, *, turn: float = 0.0) -> Grey:
    """The text of `pixels` as a level, well-sized, evenly lit grey image.

    `turn` adds a rotation in degrees (180 reads a label held upside down).
    """
    grey = grey_of(pixels)
    if not layout.found:
        return _even_light(grey, 20.0)
    left, top, right, bottom = layout.box
    margin = MARGIN_CHARS * layout.char_height + 4
    left, top = max(0.0, left - margin), max(0.0, top - margin)
    right = min(float(layout.width), right + margin)
    bottom = min(float(layout.height), bottom + margin)
    scale = min(MAX_SCALE, max(MIN_SCALE, TARGET_CHAR_PX / max(layout.char_height, 1.0)))
    degrees = -layout.angle + turn  # OpenCV turns counter-clockwise for positive angles
    rad = math.radians(degrees)
    box_w, box_h = right - left, bottom - top
    out_w = (abs(box_w * math.cos(rad)) + abs(box_h * math.sin(rad))) * scale
    out_h = (abs(box_w * math.sin(rad)) + abs(box_h * math.cos(rad))) * scale
    if out_w * out_h > MAX_OUTPUT_PIXELS:
        shrink = math.sqrt(MAX_OUTPUT_PIXELS / (out_w * out_h))
        scale, out_w, out_h = scale * shrink, out_w * shrink, out_h * shrink
    centre = ((left + right) / 2, (top + bottom) / 2)
    matrix = np.asarray(cv2.getRotationMatrix2D(centre, degrees, scale), dtype=np.float64)
    matrix[0, 2] += out_w / 2 - centre[0]
    matrix[1, 2] += out_h / 2 - centre[1]
    paper = float(np.percentile(grey[int(top) : int(bottom) + 1, int(left) : int(right) + 1], 90))
    turned = cv2.warpAffine(
        grey, matrix, (max(1, round(out_w)), max(1, round(out_h))),
        flags=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA,
        borderMode=cv2.BORDER_CONSTANT, borderValue=(paper,),
    )  # fmt: skip
    levelled = np.asarray(turned, dtype=np.uint8)
    if layout.light_on_dark:
        levelled = np.asarray(255 - levelled, dtype=np.uint8)
    even = _even_light(levelled, layout.char_height * scale)
    near_text = cv2.warpAffine(
        _near_marks(layout, grey.shape), matrix, (even.shape[1], even.shape[0]),
        flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=(0,),
    )  # fmt: skip
    even[near_text == 0] = 255  # card edges, pictures and specks away from the letters: paper
    return even


def _near_marks(layout: TextLayout, shape: tuple[int, ...]) -> Grey:
    """A mask of the marks' boxes, each grown by `NEAR_CHARS` letter heights (punctuation, accents
    and letters too faint to be marks lie close to marks)."""
    mask = np.zeros(shape[:2], dtype=np.uint8)
    pad = NEAR_CHARS * layout.char_height
    for left, top, right, bottom in layout.marks_at:
        cv2.rectangle(
            mask, (int(left - pad), int(top - pad)), (int(right + pad), int(bottom + pad)), 255, -1
        )
    return mask


def _even_light(grey: Grey, char_px: float) -> Grey:
    """Divide by the local paper level (a closing wider than a letter, then smoothed)."""
    size = max(15, int(2.5 * char_px) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    closed = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, kernel).astype(np.float32)
    paper = np.minimum(cv2.blur(closed, (size, size)), closed)
    even = grey.astype(np.float32) / np.maximum(paper, 1.0) * 255.0
    return np.asarray(np.clip(even, 0, 255), dtype=np.uint8)
