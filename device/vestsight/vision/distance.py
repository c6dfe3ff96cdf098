"""How far a person or a thing is, from the parts of it the camera sees.

A person is measured, in this order of trust, by
- the face (its box is about 15 cm wide, whichever way the head is turned),
- the body's landmarks: MediaPipe Pose gives each landmark also in metres, so the spread of the
  landmarks seen, in pixels against metres, says how far the body is (head and shoulders are
  enough; nothing is assumed about the parts out of view),
- and only without either: a detector's box, as a whole body's height when the box is a whole
  standing body (not cut by the frame, at least twice as tall as wide), else as a body's width.
Face and landmarks together are averaged (geometrically). A thing is measured by its usual
height, or its usual width when its top or bottom is cut off (`sizes.py`).
"""

from __future__ import annotations

import math

from .detections import Box, Detection
from .lens import Lens
from .sizes import BODY_WIDTH_M, FACE_BOX_WIDTH_M, PERSON_HEIGHT_M, SIZES_M

WHOLE_BODY_ASPECT = 2.0
"""A box at least this many times taller than wide (in pixels) can be a whole standing body;
a head-and-shoulders box is about as tall as wide."""


def thing_distance(box: Box, label: str, lens: Lens) -> float | None:
    """Metres to a thing of a kind whose usual size is known; None when it cannot be told."""
    height_m, width_m = SIZES_M.get(label, (None, None))
    if height_m is not None and not box.cut_by_frame():
        return lens.distance(height_m, box.height * lens.height)
    if width_m is not None and not box.cut_at_sides():
        return lens.distance(width_m, box.width * lens.width)
    return None


def face_distance(face: Box, lens: Lens) -> float | None:
    if face.cut_at_sides():
        return None
    return lens.distance(FACE_BOX_WIDTH_M, face.width * lens.width)


def body_box_distance(box: Box, lens: Lens) -> float | None:
    """From a person's box alone: a whole standing body's height, else the body's width."""
    height_px, width_px = box.height * lens.height, box.width * lens.width
    if not box.cut_by_frame() and height_px >= WHOLE_BODY_ASPECT * width_px:
        return lens.distance(PERSON_HEIGHT_M, height_px)
    if not box.cut_at_sides():
        return lens.distance(BODY_WIDTH_M, width_px)
    return None


def person_distance(bodies: list[Detection], face: Detection | None, lens: Lens) -> float | None:
    """Metres to one person seen as `bodies` (pose and object boxes) and perhaps a `face`."""
    measured = [d for d in (face_distance(face.box, lens) if face else None,) if d is not None]
    measured += [lens.focal_px / b.px_per_m for b in bodies if b.px_per_m]
    if measured:
        return math.exp(sum(math.log(d) for d in measured) / len(measured))
    boxes = [d for b in bodies if (d := body_box_distance(b.box, lens)) is not None]
    return min(boxes) if boxes else None


REACH_M = 1.0
"""Nearer than this a thing is "within arm's reach"."""
FAR_M = 10.0
"""From this on a thing is "far away": a size-based guess is no better than that."""


def rounded(metres: float | None) -> tuple[str, int] | None:
    """A distance as honestly as it is known: ``("reach", 0)``, ``("about", n)`` metres (whole
    metres up to 4, then even ones, since the error grows with the distance) or ``("far", 0)``."""
    if metres is None:
        return None
    if metres < REACH_M:
        return ("reach", 0)
    if metres >= FAR_M:
        return ("far", 0)
    return ("about", max(1, round(metres) if metres < 4.5 else 2 * round(metres / 2)))


def band(metres: float | None) -> int:
    """Distances said alike have one band: smaller is nearer; unknown comes last."""
    said = rounded(metres)
    if said is None:
        return 99
    kind, n = said
    return {"reach": 0, "far": 50}.get(kind, n)
