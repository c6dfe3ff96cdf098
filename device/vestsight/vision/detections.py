"""What the detectors found: typed results with boxes in frame-relative coordinates."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Box:
    """A box in frame-relative coordinates: 0..1 from the left and from the top."""

    left: float
    top: float
    right: float
    bottom: float

    @classmethod
    def around(cls, xs: list[float], ys: list[float]) -> Box:
        return cls(min(xs), min(ys), max(xs), max(ys)).clipped()

    def clipped(self) -> Box:
        return Box(
            max(0.0, self.left), max(0.0, self.top), min(1.0, self.right), min(1.0, self.bottom)
        )

    @property
    def width(self) -> float:
        return max(0.0, self.right - self.left)

    @property
    def height(self) -> float:
        return max(0.0, self.bottom - self.top)

    @property
    def centre_x(self) -> float:
        return (self.left + self.right) / 2

    @property
    def centre_y(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def area(self) -> float:
        return self.width * self.height

    def cut_by_frame(self, margin: float = 0.01) -> bool:
        """The object goes on past the top or bottom of the frame (its height is not all seen)."""
        return self.top <= margin or self.bottom >= 1 - margin

    def cut_at_sides(self, margin: float = 0.01) -> bool:
        """The object goes on past the left or right edge of the frame."""
        return self.left <= margin or self.right >= 1 - margin

    def overlap(self, other: Box) -> float:
        """Intersection over the smaller box's area: 1.0 when one box lies inside the other."""
        width = min(self.right, other.right) - max(self.left, other.left)
        height = min(self.bottom, other.bottom) - max(self.top, other.top)
        if width <= 0 or height <= 0:
            return 0.0
        smaller = min(self.area, other.area)
        return width * height / smaller if smaller > 0 else 0.0

    def grown(self, factor: float) -> Box:
        """The same centre, `factor` times wider and taller (clipped to the frame)."""
        half_w, half_h = self.width * factor / 2, self.height * factor / 2
        return Box(
            self.centre_x - half_w,
            self.centre_y - half_h,
            self.centre_x + half_w,
            self.centre_y + half_h,
        ).clipped()


@dataclass(frozen=True)
class Detection:
    label: str
    """``person``, ``face``, ``hand`` or an object class of the object detector (COCO names)."""
    box: Box
    score: float
    source: str
    """The detector that found it: ``faces``, ``pose``, ``hands``, ``objects``."""
    facing: str | None = None
    """For people: ``towards`` (facing the wearer) or ``away``; None when unknown."""
    side: str | None = None
    """For hands: ``left`` or ``right`` as seen by the camera."""
    px_per_m: float | None = None
    """Pixels of this frame per metre at the thing's distance, when the detector could measure
    it from the parts it saw (pose: its landmarks against the same landmarks in metres)."""


@dataclass(frozen=True)
class Scene:
    """Everything the detectors found in one frame."""

    frame_number: int
    width: int
    height: int
    detections: tuple[Detection, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)
    """Milliseconds each detector took on this frame."""
    missing: tuple[tuple[str, str], ...] = ()
    """Detectors that gave nothing for this frame, with why: ``late`` (no answer in time) or
    ``failed`` (an error on this frame); what the others found is still here."""

    def of(self, label: str) -> list[Detection]:
        return [d for d in self.detections if d.label == label]
