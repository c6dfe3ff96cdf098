"""Measured facts about a frame, computed in milliseconds: light, colours, focus.

These are what the vest knows about a scene before any detector or model has looked at it; they
ground the model's prompt, give the wearer an instant first sentence, and warn when a frame is
not fit to trust (`FrameFacts.problem`): too dark, too bright, blurred, or one plain surface (a
wall or a door right in front of the lens). All values are measured on a frame averaged down to
about `WORK_WIDTH` pixels wide (averaging, not skipping pixels, so sensor noise in a dim frame
does not pass for detail).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from ..camera.base import Frame

WORK_WIDTH = 320

LIGHT_LEVELS = ((0.12, "dark"), (0.3, "dim"), (0.7, "normal"))
"""Mean luminance (0..1) below which a scene is called dark, dim, normal; above: bright."""

FOCUS_LEVELS = ((0.01, "blurry"), (0.04, "soft"))
"""Detail (the Laplacian's variance over the luminance variance, at WORK_WIDTH) below which a
frame is blurry, soft: a measure of edges that does not depend on the scene's contrast."""

VERY_DARK = 0.12
"""Mean luminance below which "Very dark; I may miss things." comes first."""
CLIPPED = 0.97
TOO_BRIGHT_SHARE = 0.3
"""A frame with this share of its pixels at white (above `CLIPPED`) is overexposed."""
PLAIN = 0.05
"""Unevenness below which a frame shows one plain surface: a wall or a door close in front of
the lens (textures of real scenes, even a brick wall or the moon's face, are twice as uneven)."""
PLAIN_GRID = 32
"""The plain-surface test looks at the frame as this many cells across."""

COLOUR_STEP = 2
"""Colours are counted on every second pixel of the working frame: shares of a tenth or more
come out the same, in a quarter of the time."""
MIN_COLOUR_SHARE = 0.10
MAX_COLOURS = 3

_HUE_NAMES = (
    (15, "red"),
    (40, "orange"),
    (70, "yellow"),
    (160, "green"),
    (200, "cyan"),
    (260, "blue"),
    (290, "purple"),
    (345, "pink"),
    (361, "red"),
)


@dataclass(frozen=True)
class FrameFacts:
    brightness: float
    """Mean luminance, 0 (black) to 1 (white)."""
    contrast: float
    """Standard deviation of luminance, 0 to 0.5."""
    sharpness: float
    """Variance of the Laplacian of the grey image; higher is sharper."""
    colours: tuple[tuple[str, float], ...]
    """Dominant colour names with their share of the frame, largest first."""
    clipped: float = 0.0
    """Share of the frame at white (overexposed)."""
    unevenness: float = 1.0
    """Luminance's spread, relative to its mean, once the smooth fall-off of light (a slope, a
    vignette) is taken away, on a coarse grid: near 0 for one plain surface."""

    @property
    def detail(self) -> float:
        """Edges for the contrast there is: low for a blurred frame, whatever the scene."""
        variance = (self.contrast * 255.0) ** 2
        return self.sharpness / variance if variance > 0 else 0.0

    @property
    def light(self) -> str:
        for limit, word in LIGHT_LEVELS:
            if self.brightness < limit:
                return word
        return "bright"

    @property
    def focus(self) -> str:
        """``sharp``, ``soft``, ``blurry``, or ``plain``: one even surface has no edges to be
        sharp or blurred."""
        if self.unevenness < PLAIN:
            return "plain"
        for limit, word in FOCUS_LEVELS:
            if self.detail < limit:
                return word
        return "sharp"

    @property
    def problem(self) -> str | None:
        """What makes this frame hard to trust, worst first: ``dark``, ``bright``, ``plain``
        (one surface close ahead), ``blurred``; None when it is fit to look at."""
        if self.brightness < VERY_DARK:
            return "dark"
        if self.clipped >= TOO_BRIGHT_SHARE:
            return "bright"
        if self.focus == "plain":
            return "plain"
        if self.focus == "blurry":
            return "blurred"
        return None

    def as_prompt_text(self) -> str:
        colours = ", ".join(f"{name} {share:.0%}" for name, share in self.colours)
        return (
            f"light: {self.light} (mean brightness {self.brightness:.2f}); "
            f"main colours: {colours or 'none'}; focus: {self.focus}"
        )


def measure_frame(frame: Frame) -> FrameFacts:
    rgb = _downscale(frame.pixels) / np.float32(255.0)
    grey = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return FrameFacts(
        brightness=float(grey.mean()),
        contrast=float(grey.std()),
        sharpness=_laplacian_variance(grey * 255.0),
        colours=_dominant_colours(rgb[::COLOUR_STEP, ::COLOUR_STEP]),
        clipped=float(np.mean(grey > CLIPPED)),
        unevenness=_unevenness(grey),
    )


def _downscale(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """The frame averaged over blocks of `step` x `step` pixels, about WORK_WIDTH wide."""
    step = max(1, pixels.shape[1] // WORK_WIDTH)
    if step == 1:
        return pixels.astype(np.float32)
    size = (pixels.shape[1] // step, pixels.shape[0] // step)
    small = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)  # block means, in C
    return np.asarray(small, dtype=np.float32)


def _block_mean(values: npt.NDArray[np.float32], step: int) -> npt.NDArray[np.float32]:
    height, width = values.shape[0] // step * step, values.shape[1] // step * step
    if step == 1 or height == 0 or width == 0:
        return values
    blocks = values[:height, :width].reshape(height // step, step, width // step, step, -1)
    means: npt.NDArray[np.float32] = blocks.mean(axis=(1, 3), dtype=np.float32)
    return means.squeeze(-1) if values.ndim == 2 else means


def _unevenness(grey: npt.NDArray[np.float32]) -> float:
    """Luminance's spread around the best smooth (quadratic) surface through it, on a coarse
    grid, relative to the mean luminance (a texture looks as uneven in dim light as in bright)."""
    step = max(1, grey.shape[1] // PLAIN_GRID)
    cells = _block_mean(grey, step)
    rows, cols = np.mgrid[0 : cells.shape[0], 0 : cells.shape[1]]
    y, x = rows.ravel() / max(1, cells.shape[0]), cols.ravel() / max(1, cells.shape[1])
    design = np.column_stack([np.ones(y.size), y, x, y * y, x * x, x * y])
    values = cells.ravel().astype(np.float64)
    mean = max(float(values.mean()), 0.05)
    if values.size <= design.shape[1]:
        return float(values.std()) / mean
    coefficients, *_ = np.linalg.lstsq(design, values, rcond=None)
    return float((values - design @ coefficients).std()) / mean


def _laplacian_variance(grey: npt.NDArray[np.float32]) -> float:
    if grey.shape[0] < 3 or grey.shape[1] < 3:
        return 0.0
    centre = grey[1:-1, 1:-1]
    laplacian = grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4 * centre
    return float(laplacian.var())


def colour_names(rgb: npt.NDArray[np.float32]) -> npt.NDArray[np.str_]:
    """Name every pixel (rgb in 0..1, shape ... x 3) with one of the basic colour words."""
    high = rgb.max(axis=-1)
    low = rgb.min(axis=-1)
    chroma = high - low
    saturation = np.divide(chroma, high, out=np.zeros_like(high), where=high > 0)
    hue = _hue_degrees(rgb, high, chroma)
    names = np.full(high.shape, "grey", dtype="<U6")
    for limit, word in reversed(_HUE_NAMES):
        names[hue < limit] = word
    brownish = (hue >= 10) & (hue < 50) & (high < 0.6)
    names[brownish] = "brown"
    grey = saturation < 0.18
    names[grey] = "grey"
    names[grey & (high > 0.8)] = "white"
    names[high < 0.18] = "black"
    return names


def _hue_degrees(
    rgb: npt.NDArray[np.float32], high: npt.NDArray[np.float32], chroma: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    safe = np.where(chroma > 0, chroma, 1.0)
    hue = np.where(
        high == red,
        ((green - blue) / safe) % 6.0,
        np.where(high == green, (blue - red) / safe + 2.0, (red - green) / safe + 4.0),
    )
    return (hue * 60.0).astype(np.float32)


def _dominant_colours(rgb: npt.NDArray[np.float32]) -> tuple[tuple[str, float], ...]:
    names = colour_names(rgb).ravel()
    words, counts = np.unique(names, return_counts=True)
    shares = counts / names.size
    order = np.argsort(-shares, kind="stable")
    return tuple(
        (str(words[i]), round(float(shares[i]), 3))
        for i in order[:MAX_COLOURS]
        if shares[i] >= MIN_COLOUR_SHARE
    )
