"""From detections to what a blind wearer needs: what, which way (clock face), how far.

12 o'clock is straight ahead of the chest camera (see `lens.py` for the geometry); distances come
from the parts of a person or thing in view (`distance.py`). The order is what matters first:
anything within arm's reach that one may bump into, then people, then obstacles, then other
things; within each, nearer first, and things said at the same distance from left to right.
Duplicates merge: one person seen by several detectors is one person, things of one kind in one
direction are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .detections import Box, Detection, Scene
from .distance import band, person_distance, thing_distance
from .lens import Lens

OBSTACLES = frozenset({
    "chair", "couch", "bench", "dining table", "bed", "toilet", "car", "bus", "truck", "train",
    "bicycle", "motorcycle", "fire hydrant", "potted plant", "suitcase", "dog", "horse",
    "stop sign", "parking meter", "refrigerator", "traffic light", "cow",
})  # fmt: skip
"""Things a walking wearer may bump into: said right after people, or first when within reach."""

NOT_AHEAD = frozenset({"hand"})
"""Never listed as "ahead": the hands a chest camera sees are mostly the wearer's own."""

SAME_BODY = 0.7
"""Two person boxes overlapping this much (of the smaller) are one person."""
FACE_IN_BODY = 0.6


@dataclass(frozen=True)
class Finding:
    label: str
    clock: int
    """1..12, 12 = straight ahead."""
    distance_m: float | None
    count: int = 1
    facing: str | None = None
    x: float = 0.5
    """Where across the frame (0 = left edge, 1 = right edge), for left-to-right order and for
    guiding the wearer's turn."""

    @property
    def rank(self) -> int:
        """0 first: within reach of a body (people, obstacles), then people, obstacles, things."""
        near = band(self.distance_m) == 0
        if self.label == "person":
            return 0 if near else 1
        if self.label in OBSTACLES:
            return 0 if near else 2
        return 3


def lens_for(scene: Scene, hfov_deg: float, vfov_deg: float) -> Lens:
    return Lens.of(hfov_deg, vfov_deg, scene.width, scene.height)


def findings(scene: Scene, hfov_deg: float, vfov_deg: float) -> list[Finding]:
    """Everything worth saying about `scene`, most important first, duplicates merged."""
    lens = lens_for(scene, hfov_deg, vfov_deg)
    others = [
        Finding(
            d.label,
            lens.clock(d.box.centre_x),
            thing_distance(d.box, d.label, lens),
            x=d.box.centre_x,
        )
        for d in scene.detections
        if d.label not in ("person", "face") and d.label not in NOT_AHEAD
    ]
    merged = _merge_same(people(scene, lens) + others)
    return sorted(merged, key=lambda f: (f.rank, band(f.distance_m), f.x))


def people(scene: Scene, lens: Lens) -> list[Finding]:
    """One finding per person: pose and object boxes and faces that belong together merge."""
    groups: list[tuple[list[Detection], Detection | None]] = []
    for body in sorted(scene.of("person"), key=lambda d: -d.score):
        same = next((g for g in groups if g[0][0].box.overlap(body.box) > SAME_BODY), None)
        if same is None:
            groups.append(([body], None))
        else:
            same[0].append(body)  # the same person seen by another detector
    for face in sorted(scene.of("face"), key=lambda d: -d.score):
        owner = next(
            (
                i
                for i, (bodies, known) in enumerate(groups)
                if known is None and any(b.box.overlap(face.box) > FACE_IN_BODY for b in bodies)
            ),
            None,
        )
        if owner is None:
            groups.append(([], face))
        else:
            groups[owner] = (groups[owner][0], face)
    result = []
    for bodies, seen_face in groups:
        facing = "towards" if seen_face else next((b.facing for b in bodies), None)
        where = (seen_face or bodies[0]).box.centre_x
        result.append(
            Finding(
                "person",
                lens.clock(where),
                person_distance(bodies, seen_face, lens),
                facing=facing,
                x=where,
            )
        )
    return result


def _merge_same(items: list[Finding]) -> list[Finding]:
    """Things of one kind at one clock hour and a distance said alike are said once, with their
    count."""
    merged: dict[tuple[str, int, int], Finding] = {}
    for item in items:
        key = (item.label, item.clock, band(item.distance_m))
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
