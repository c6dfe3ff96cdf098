"""Why text cannot be read, and what to do about it, from what the text measured (text_region).

Text seen but not read is never "no text": the wearer is told what is wrong, worst first:
- a blank frame (the lens covered, a wall) or one too dark to show anything;
- text cut off at a side of the frame: move it the other way (the camera looks where the wearer
  faces, so text running out on the left of the picture is to the wearer's left: move it right);
  cut off on both sides, it is too close;
- letters too small to read: too far;
- edges too soft for their size: blurred, hold it still;
- letters big and sharp, yet unreadable: a script or hand the vest cannot read.

`readiness()` scores a frame's text 0..1 before anything is read, for the haptic hint while the
wearer aims: 1 when nothing is wrong.
"""

from __future__ import annotations

import enum

from .text_region import TextLayout
from .text_result import OcrResult

MIN_CHAR_PX = 7.0
"""Letters lower than this (median mark height, frame pixels) are too far to read: rendered labels
read 87 % right at 7 px, 46 % at 5 px (tests/bench/bench_reading.py --guidance)."""
MAX_CHAR_SHARE = 0.25
"""Letters taller than this share of the frame are too close."""
MIN_SHARPNESS = 3.3
"""Letter height over edge width below this: too blurred to read (labels blurred to 2.8 read half
right, to 5.0 all but 1 %: tests/bench/bench_reading.py --guidance)."""
MARGIN = 1.5
"""Text that measured readable but read poorly, with sharpness or size within this factor of
their limits, is called blurred or too far rather than unreadable."""
DARK = 30.0
"""Mean grey level under which a frame is too dark."""
WELL_READ = 0.5
"""A reading with at least this many confident letters per measured mark read the text..."""
SURE_SHARE = 0.8
"""...if at least this share of them are in words tesseract is sure of (80 and more): a blurred
label reads as many letters, but few of them sure."""


class Advice(enum.Enum):
    """What is wrong; the value is the phrase key that says it."""

    READABLE = ""
    BLANK = "read_blank"
    DARK = "read_dark"
    NO_TEXT = "no_text"
    CUT_LEFT = "read_cut_left"
    CUT_RIGHT = "read_cut_right"
    CUT_TOP = "read_cut_top"
    CUT_BOTTOM = "read_cut_bottom"
    TOO_CLOSE = "read_too_close"
    TOO_FAR = "read_too_far"
    BLURRED = "read_blurred"
    UNREADABLE = "read_unreadable"


_CUTS = (
    ("left", Advice.CUT_LEFT),
    ("right", Advice.CUT_RIGHT),
    ("top", Advice.CUT_TOP),
    ("bottom", Advice.CUT_BOTTOM),
)


def seen_problem(layout: TextLayout) -> Advice:
    """What the measurements alone say is wrong (READABLE when nothing is)."""
    if layout.blank:
        return Advice.DARK if layout.brightness < DARK else Advice.BLANK
    if not layout.found:
        return Advice.DARK if layout.brightness < DARK else Advice.NO_TEXT
    if {"left", "right"} <= layout.cut or layout.char_height > MAX_CHAR_SHARE * layout.height:
        return Advice.TOO_CLOSE
    for side, advice in _CUTS:
        if side in layout.cut:
            return advice
    if layout.char_height < MIN_CHAR_PX:
        return Advice.TOO_FAR
    if layout.sharpness < MIN_SHARPNESS:
        return Advice.BLURRED
    return Advice.READABLE


def after_reading(result: OcrResult) -> Advice:
    """What to tell the wearer once the text was read: READABLE if it was read well (even if cut
    off: the command says that beside the text), else why it was not."""
    layout, characters = result.layout, result.characters
    sure = result.sure_share >= SURE_SHARE
    if layout is None:
        return Advice.READABLE if characters and sure else Advice.NO_TEXT
    if layout.found and characters >= WELL_READ * layout.marks and sure:
        return Advice.READABLE
    seen = seen_problem(layout)
    if seen is Advice.NO_TEXT:  # no letters measured; the whole frame was read as it is
        return Advice.READABLE if characters and sure else Advice.NO_TEXT
    if seen is not Advice.READABLE:
        return seen
    # It looked readable but did not read: near the limits, say which limit.
    if layout.sharpness < MARGIN * MIN_SHARPNESS:
        return Advice.BLURRED
    if layout.char_height < MARGIN * MIN_CHAR_PX:
        return Advice.TOO_FAR
    return Advice.UNREADABLE


def cut_sides(layout: TextLayout | None) -> Advice:
    """The first side the text runs out of the frame on (READABLE when none)."""
    if layout is None:
        return Advice.READABLE
    for side, advice in _CUTS:
        if side in layout.cut:
            return advice
    return Advice.READABLE


def readiness(layout: TextLayout) -> float:
    """0..1: how near the frame's text is to readable (1: readable as far as measured)."""
    if not layout.found:
        return 0.0
    size = min(1.0, layout.char_height / (1.5 * MIN_CHAR_PX))
    sharp = min(1.0, layout.sharpness / (1.25 * MIN_SHARPNESS))
    inside = 0.5 if layout.cut else 1.0
    return (
        round(min(size, sharp, inside), 2) if seen_problem(layout) is not Advice.READABLE else 1.0
    )
