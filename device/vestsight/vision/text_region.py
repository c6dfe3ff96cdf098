"""Where the text is in a frame, at what angle, how big and how sharp: measured, not read.

Text is found as marks: dark (or light) strokes that stand out from their surroundings once the
light is evened out (the grey level divided by the local background), small enough to be letters,
and with a neighbour of similar size beside them (letters come in lines; specks and edges do not:
text_marks). The marks' pixels, projected across the lines, give the lines' angle: the angle at
which the projection is sharpest (rows of ink and gaps between them), searched over the whole
half-turn, so a page held sideways is found too. From the marks also come the letter size, the
region they fill, the sides where lines run out of the frame, and how soft their edges are.

Everything here is numpy and OpenCV, for a worker thread; about 30 ms for a 1280x960 frame here.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from ..camera.base import Pixels
from .text_marks import FloatArray, letter_like, mark_boxes, on_lines

_LOGGER = logging.getLogger(__name__)

Grey = npt.NDArray[np.uint8]

ANALYSIS_MAX_SIDE = 1600
"""Larger images are measured at this size (a huge page is not measured pixel by pixel)."""
INK_RATIO = 0.78
"""A pixel darker than this share of its local background is ink."""
EDGE_PX = 2
"""A mark this close to the frame's edge touches it."""
MAX_SAMPLE_POINTS = 30000
MIN_PRINTED = 8
"""Fewer marks than this in printed-looking lines is not text. Rendered labels, blurred, tiny or
tilted, have 10 and more (tests/bench: reading_labels); photographs of a cat, a cup, a rocket and
a person 0 to 10 among a hundred and more marks."""
PRINTED_SHARE = 0.25
"""...and they are at least this share of all the marks (a label: 35 % and more; the cat: 6 %)."""
BLANK_STD = 3.0
"""A frame whose grey levels vary less than this is blank (covered lens, a wall)."""


@dataclass(frozen=True)
class TextLayout:
    """What the marks of text in a frame measure; sizes in pixels of the frame given."""

    width: int
    height: int
    brightness: float
    """Mean grey level, 0..255."""
    spread: float
    """Standard deviation of the grey levels: near 0 for a blank frame."""
    marks: int = 0
    """Letter-like marks found (letters, or words when they run together)."""
    printed: int = 0
    """Marks in lines that look printed (text_marks.Lines.printed)."""
    lines: int = 0
    """Rows of marks: roughly the lines of text."""
    angle: float = 0.0
    """Degrees the lines rise to the right (counter-clockwise); within (-90, 90]."""
    char_height: float = 0.0
    """Median height of the marks across their lines."""
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    """The marks' bounding box in the frame: left, top, right, bottom, in pixels."""
    edge_width: float = 0.0
    """How many pixels an edge of ink takes to go from paper to ink (blur widens it)."""
    cut: frozenset[str] = field(default_factory=frozenset)
    """Sides of the frame ("left", "right", "top", "bottom") that lines of text run out of."""
    light_on_dark: bool = False
    marks_at: npt.NDArray[np.float64] = field(
        default_factory=lambda: np.zeros((0, 4)), compare=False, repr=False
    )
    """Each mark's box (left, top, right, bottom), in pixels of the frame given."""

    @property
    def found(self) -> bool:
        """Whether there is text: `MIN_PRINTED` marks or more in printed-looking lines, and they
        are not a few chance ones among many (`PRINTED_SHARE`: fur, foliage)."""
        return self.printed >= MIN_PRINTED and self.printed >= PRINTED_SHARE * self.marks

    @property
    def sharpness(self) -> float:
        """Letter height over edge width: about 10 and more is crisp, under 4 a smear."""
        return self.char_height / self.edge_width if self.edge_width else 0.0

    @property
    def blank(self) -> bool:
        return self.spread < BLANK_STD


def grey_of(pixels: Pixels) -> Grey:
    if pixels.ndim == 2:
        return np.ascontiguousarray(pixels)
    return np.asarray(cv2.cvtColor(np.ascontiguousarray(pixels[:, :, :3]), cv2.COLOR_RGB2GRAY))


def analyse(pixels: Pixels) -> TextLayout:
    """Measure the text in `pixels` (RGB or grey). Blocking: call it in a worker thread."""
    grey = grey_of(pixels)
    height, width = grey.shape
    scale = min(1.0, ANALYSIS_MAX_SIDE / max(height, width))
    if scale < 1.0:
        grey = np.asarray(cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    brightness, spread = float(grey.mean()), float(grey.std())
    base = TextLayout(width, height, brightness, spread)
    if spread < BLANK_STD:
        return base
    best: TextLayout | None = None
    for light_on_dark in (False, True):
        found = _measure(grey, base, light_on_dark)
        if found is not None and (best is None or found.printed > best.printed):
            best = found
    if best is None:
        return base
    if scale < 1.0:
        best = _rescaled(best, 1.0 / scale)
    return best


def _rescaled(layout: TextLayout, factor: float) -> TextLayout:
    left, top, right, bottom = layout.box
    return TextLayout(
        layout.width, layout.height, layout.brightness, layout.spread, layout.marks,
        layout.printed, layout.lines, layout.angle, layout.char_height * factor,
        (left * factor, top * factor, right * factor, bottom * factor),
        layout.edge_width * factor, layout.cut, layout.light_on_dark, layout.marks_at * factor,
    )  # fmt: skip


def ink_mask(grey: Grey, light_on_dark: bool) -> Grey:
    """Pixels of ink: darker than `INK_RATIO` of their local background (or lighter, inverted)."""
    work = cv2.GaussianBlur(255 - grey if light_on_dark else grey, (0, 0), 1.0)
    size = max(15, (max(work.shape) // 40) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    closed = cv2.morphologyEx(work, cv2.MORPH_CLOSE, kernel).astype(np.float32)
    # Smoothed, but never brighter than the closing: beside a card's edge, the dark table must
    # not borrow the card's light and pass for ink.
    background = np.minimum(cv2.blur(closed, (size, size)), closed)
    ratio = work.astype(np.float32) / np.maximum(background, 8.0)
    lifted: npt.NDArray[np.float32] = np.maximum(background, 8.0) - work.astype(np.float32)
    return np.asarray((ratio < INK_RATIO) & (lifted > 14), dtype=np.uint8)


def _measure(grey: Grey, base: TextLayout, light_on_dark: bool) -> TextLayout | None:
    mask = ink_mask(grey, light_on_dark)
    found = cv2.connectedComponentsWithStats(mask, connectivity=8)
    count = int(found[0])
    labels = np.asarray(found[1], dtype=np.int32)
    stats = np.asarray(found[2], dtype=np.int32)
    centroids = np.asarray(found[3], dtype=np.float64)
    keep = letter_like(stats, centroids, grey.shape)
    if keep.size < 3:
        return None
    xs, ys, owners = _ink_points(labels, count, keep)
    heights = stats[keep, cv2.CC_STAT_HEIGHT].astype(np.float64)
    angle = line_angle(xs, ys, float(np.median(heights)))
    lines_found = on_lines(stats, centroids, keep, angle)
    keep = lines_found.marks
    if keep.size < 3:
        return None
    xs, ys, owners = _ink_points(labels, count, keep)
    across = _across(xs, ys, angle)
    char_height = _mark_height(across, owners)
    lines = _count_lines(across, char_height)
    boxes = mark_boxes(stats[keep])
    box = (
        float(boxes[:, 0].min()), float(boxes[:, 1].min()),
        float(boxes[:, 2].max()), float(boxes[:, 3].max()),
    )  # fmt: skip
    return TextLayout(
        base.width, base.height, base.brightness, base.spread,
        marks=int(keep.size), printed=lines_found.printed, lines=lines, angle=angle,
        char_height=char_height, box=box,
        edge_width=edge_width(grey, box), cut=_cut_sides(boxes, grey.shape),
        light_on_dark=light_on_dark, marks_at=boxes,
    )  # fmt: skip


def _ink_points(
    labels: npt.NDArray[np.int32], count: int, keep: npt.NDArray[np.intp]
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int32]]:
    """Coordinates of the kept marks' ink (a fixed sample of at most `MAX_SAMPLE_POINTS`)."""
    selected = np.zeros(count, dtype=bool)
    selected[keep] = True
    ys, xs = np.nonzero(selected[labels])
    owners = labels[ys, xs]
    if ys.size > MAX_SAMPLE_POINTS:
        pick = np.random.default_rng(0).choice(ys.size, MAX_SAMPLE_POINTS, replace=False)
        ys, xs, owners = ys[pick], xs[pick], owners[pick]
    return xs.astype(np.float64), ys.astype(np.float64), owners


def line_angle(xs: FloatArray, ys: FloatArray, mark_height: float) -> float:
    """The angle (degrees, counter-clockwise) at which ink projects into the sharpest rows."""
    bin_px = max(1.0, mark_height / 5)

    coarse = np.arange(-90.0, 90.0, 2.0)
    scores = [_profile_score(xs, ys, a, bin_px) for a in coarse]
    best = float(coarse[int(np.argmax(scores))])
    for step in (0.5, 0.125):
        fine = best + np.arange(-4, 5) * step
        scores = [_profile_score(xs, ys, a, bin_px) for a in fine]
        best = float(fine[int(np.argmax(scores))])
    best = (best + 90.0) % 180.0 - 90.0
    return 90.0 if best == -90.0 else round(best, 2)


def _across(xs: npt.NDArray[np.generic], ys: npt.NDArray[np.generic], degrees: float) -> FloatArray:
    """Each point's distance across lines tilted by `degrees` (image y points down)."""
    rad = math.radians(degrees)
    return np.asarray(ys, np.float64) * math.cos(rad) + np.asarray(xs, np.float64) * math.sin(rad)


def _profile_score(xs: FloatArray, ys: FloatArray, degrees: float, bin_px: float) -> float:
    across = _across(xs, ys, degrees)
    bins = ((across - across.min()) / bin_px).astype(np.int64)
    counts = np.bincount(bins).astype(np.float64)
    return float(np.square(counts).sum())


def _mark_height(across: FloatArray, owners: npt.NDArray[np.int32]) -> float:
    """Median extent of the marks across the lines."""
    order = np.argsort(owners, kind="stable")
    sorted_owners, sorted_across = owners[order], across[order]
    starts = np.flatnonzero(np.r_[True, sorted_owners[1:] != sorted_owners[:-1]])
    highs = np.maximum.reduceat(sorted_across, starts)
    lows = np.minimum.reduceat(sorted_across, starts)
    return float(np.median(highs - lows + 1))


def _count_lines(across: FloatArray, char_height: float) -> int:
    bin_px = max(1.0, char_height / 3)
    counts = np.bincount(((across - across.min()) / bin_px).astype(np.int64))
    filled = counts > max(2, 0.05 * counts.max())
    return int(np.count_nonzero(filled[1:] & ~filled[:-1]) + int(filled[0]))


def edge_width(grey: Grey, box: tuple[float, float, float, float]) -> float:
    """Pixels an edge of ink takes to rise from ink to paper, in the text's box (lightly smoothed
    first so that sensor noise does not pass for sharp edges)."""
    left, top, right, bottom = (int(v) for v in box)
    region = grey[max(0, top) : bottom + 1, max(0, left) : right + 1].astype(np.float32)
    if region.shape[0] < 3 or region.shape[1] < 3:
        return 0.0
    smooth = cv2.GaussianBlur(region, (0, 0), 0.8)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    gradient = np.hypot(gx, gy)
    steepest = float(np.percentile(gradient, 99.5))
    low, high = np.percentile(smooth, (3, 97))
    if steepest <= 0:
        return 0.0
    return max(1.0, float(high - low) / steepest)


def _cut_sides(boxes: FloatArray, shape: tuple[int, ...]) -> frozenset[str]:
    """Sides where marks touch the frame's edge: text runs on beyond it."""
    frame_h, frame_w = shape[:2]
    touching = {
        "left": boxes[:, 0] <= EDGE_PX,
        "top": boxes[:, 1] <= EDGE_PX,
        "right": boxes[:, 2] >= frame_w - EDGE_PX,
        "bottom": boxes[:, 3] >= frame_h - EDGE_PX,
    }
    return frozenset(side for side, hits in touching.items() if np.count_nonzero(hits) >= 1)
