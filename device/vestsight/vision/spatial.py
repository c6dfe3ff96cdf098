"""From detections to what a blind wearer needs: what, which way (clock face), how far.

12 o'clock is straight ahead of the chest camera; with a 66° lens things are seen between about
11 and 1 o'clock. Distance comes from the box's height and the usual height of that kind of
thing (a face is about 22 cm tall); a box cut by the frame's edge says nothing about height.
People come first, then obstacles, then other things, nearest first; duplicates merge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .detections import Box, Detection, Scene

KNOWN_HEIGHTS_M: dict[str, float] = {
    "person": 1.7, "face": 0.22, "chair": 0.9, "couch": 0.85, "bench": 0.8, "dining table": 0.75,
    "bed": 0.6, "toilet": 0.75, "tv": 0.6, "laptop": 0.24, "car": 1.5, "bus": 3.0, "truck": 3.0,
    "train": 3.8, "bicycle": 1.05, "motorcycle": 1.1, "dog": 0.55, "cat": 0.3, "horse": 1.6,
    "bottle": 0.25, "cup": 0.1, "wine glass": 0.18, "bowl": 0.08, "potted plant": 0.5,
    "traffic light": 0.9, "stop sign": 0.75, "fire hydrant": 0.75, "parking meter": 1.3,
    "refrigerator": 1.75, "oven": 0.9, "microwave": 0.3, "sink": 0.25, "book": 0.23,
    "clock": 0.3, "vase": 0.3, "backpack": 0.45, "suitcase": 0.65, "umbrella": 0.9,
    "handbag": 0.3, "cell phone": 0.15, "keyboard": 0.04, "teddy bear": 0.35,
}  # fmt: skip
"""Typical heights in metres, for distance from box height."""

KNOWN_WIDTHS_M: dict[str, float] = {"face": 0.15, "person": 0.45, "car": 1.8, "bus": 2.5}
"""Typical widths in metres, used when the top or bottom of the thing is outside the frame."""

OBSTACLES = frozenset({
    "chair", "couch", "bench", "dining table", "bed", "toilet", "car", "bus", "truck", "train",
    "bicycle", "motorcycle", "fire hydrant", "potted plant", "suitcase", "dog", "horse",
    "stop sign", "parking meter", "refrigerator", "traffic light",
})  # fmt: skip
"""Things a walking wearer may bump into: said right after people."""

NOT_AHEAD = frozenset({"hand"})
"""Never listed as "ahead": the hands a chest camera sees are mostly the wearer's own."""

CLOSE_M = 1.0
FAR_M = 10.0


@dataclass(frozen=True)
class Finding:
    label: str
    clock: int
    """1..12, 12 = straight ahead."""
    distance_m: float | None
    count: int = 1
    facing: str | None = None

    @property
    def rank(self) -> int:
        if self.label == "person":
            return 0
        return 1 if self.label in OBSTACLES else 2


def clock_hour(centre_x: float, hfov_deg: float) -> int:
    """Clock direction of a point at `centre_x` (0..1 across the frame)."""
    angle = (centre_x - 0.5) * hfov_deg
    hour = round(angle / 30.0)
    return 12 if hour % 12 == 0 else hour % 12


def estimate_distance(box: Box, label: str, hfov_deg: float, vfov_deg: float) -> float | None:
    """Metres to a thing of known size whose box is `box`; None when it cannot be told.

    The box's height is used unless the frame cuts it; then its width, unless that is cut too.
    """
    height_m = KNOWN_HEIGHTS_M.get(label)
    if height_m is not None and box.height > 0 and not box.cut_by_frame():
        focal = 0.5 / math.tan(math.radians(vfov_deg) / 2)  # in frame heights
        return height_m * focal / box.height
    width_m = KNOWN_WIDTHS_M.get(label)
    if width_m is not None and box.width > 0 and not box.cut_at_sides():
        focal = 0.5 / math.tan(math.radians(hfov_deg) / 2)  # in frame widths
        return width_m * focal / box.width
    return None


def findings(scene: Scene, hfov_deg: float, vfov_deg: float) -> list[Finding]:
    """Everything worth saying about `scene`, most important first, duplicates merged."""
    people = _people(scene, hfov_deg, vfov_deg)
    others = [
        Finding(
            d.label,
            clock_hour(d.box.centre_x, hfov_deg),
            estimate_distance(d.box, d.label, hfov_deg, vfov_deg),
        )
        for d in scene.detections
        if d.label not in ("person", "face") and d.label not in NOT_AHEAD
    ]
    merged = _merge_same(people + others)
    return sorted(merged, key=lambda f: (f.rank, f.distance_m if f.distance_m else 99.0))


def _people(scene: Scene, hfov_deg: float, vfov_deg: float) -> list[Finding]:
    """One finding per person: pose/object boxes and faces that belong together are merged."""
    bodies = [d for d in scene.detections if d.label == "person"]
    faces = [d for d in scene.detections if d.label == "face"]
    people: list[tuple[Detection, Detection | None]] = []
    for body in sorted(bodies, key=lambda d: -d.score):
        if any(body.box.overlap(other.box) > 0.7 for other, _face in people):
            continue  # the same person seen by two detectors
        people.append((body, None))
    for face in faces:
        owner = next(
            (
                i
                for i, (body, f) in enumerate(people)
                if f is None and body.box.overlap(face.box) > 0.6
            ),
            None,
        )
        if owner is None:
            people.append((face, face))
        else:
            people[owner] = (people[owner][0], face)
    result = []
    for body, seen_face in people:
        distance = (
            estimate_distance(seen_face.box, "face", hfov_deg, vfov_deg) if seen_face else None
        )
        if distance is None and body is not seen_face:
            distance = estimate_distance(body.box, "person", hfov_deg, vfov_deg)
        if distance is None and body.box.height > 0.8:
            distance = CLOSE_M / 2  # fills the frame from top to bottom: close
        facing = "towards" if seen_face is not None else body.facing
        where = (seen_face or body).box.centre_x
        result.append(Finding("person", clock_hour(where, hfov_deg), distance, facing=facing))
    return result


def _merge_same(items: list[Finding]) -> list[Finding]:
    """Things of one kind at one clock hour are said once, with their count."""
    merged: dict[tuple[str, int], Finding] = {}
    for item in items:
        key = (item.label, item.clock)
        if key not in merged:
            merged[key] = item
            continue
        known = merged[key]
        distances = [d for d in (known.distance_m, item.distance_m) if d is not None]
        merged[key] = replace(
            known,
            count=known.count + item.count,
            distance_m=min(distances) if distances else None,
            facing=known.facing if known.facing == item.facing else None,
        )
    return list(merged.values())


def held_region(scene: Scene, grow: float = 2.5) -> Box | None:
    """Where a held thing is: around the hands (both, if two), for "what is this".

    A hand's box is grown `grow` times, since what it holds reaches beyond the fingers; None
    when no hand is seen (the caller then looks at the frame's centre).
    """
    hands = scene.of("hand")
    if not hands:
        return None
    grown = [hand.box.grown(grow) for hand in hands]
    return Box(
        min(b.left for b in grown),
        min(b.top for b in grown),
        max(b.right for b in grown),
        max(b.bottom for b in grown),
    ).clipped()
