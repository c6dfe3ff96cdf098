"""Measured facts about a frame, computed in milliseconds: light, colours, focus.

These are what the vest knows about a scene before any detector or model has looked at it; they
ground the model's prompt and give the wearer an instant first sentence. All values are measured
on a frame scaled down to about `WORK_WIDTH` pixels wide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..camera.base import Frame

WORK_WIDTH = 320

LIGHT_LEVELS = ((0.12, "dark"), (0.3, "dim"), (0.7, "normal"))
"""Mean luminance (0..1) below which a scene is called dark, dim, normal; above: bright."""

FOCUS_LEVELS = ((40.0, "blurry"), (150.0, "soft"))
"""Variance of the Laplacian (0..255 grey, at WORK_WIDTH) below which a frame is blurry, soft."""

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

    @property
    def light(self) -> str:
        for limit, word in LIGHT_LEVELS:
            if self.brightness < limit:
                return word
        return "bright"

    @property
    def focus(self) -> str:
        for limit, word in FOCUS_LEVELS:
            if self.sharpness < limit:
                return word
        return "sharp"

    def as_prompt_text(self) -> str:
        colours = ", ".join(f"{name} {share:.0%}" for name, share in self.colours)
        return (
            f"light: {self.light} (mean brightness {self.brightness:.2f}); "
            f"main colours: {colours or 'none'}; focus: {self.focus}"
        )


def measure_frame(frame: Frame) -> FrameFacts:
    rgb = _downscale(frame.pixels).astype(np.float32) / 255.0
    grey = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return FrameFacts(
        brightness=float(grey.mean()),
        contrast=float(grey.std()),
        sharpness=_laplacian_variance(grey * 255.0),
        colours=_dominant_colours(rgb),
    )


def _downscale(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    step = max(1, pixels.shape[1] // WORK_WIDTH)
    return pixels[::step, ::step]


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
