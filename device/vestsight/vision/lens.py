"""The chest camera's geometry: which way a point in the frame is, how far a thing of known size.

The configured fields of view are the sensor's (Camera Module 3: 66° x 41°, a 16:9 sensor). A
frame of another shape is a centre crop of the sensor's field, as libcamera frames it: a 4:3
frame from that sensor keeps the 41° height and sees about 53° across. A pinhole model with one
focal length in pixels then serves both directions, so the same thing gives the same distance
whether its height or its width is measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Lens:
    focal_px: float
    """Focal length in pixels of this frame."""
    width: int
    height: int

    @classmethod
    def of(cls, hfov_deg: float, vfov_deg: float, width: int, height: int) -> Lens:
        """The lens for a `width` x `height` frame cut from a sensor seeing `hfov` x `vfov`."""
        tan_h = math.tan(math.radians(hfov_deg) / 2)
        tan_v = math.tan(math.radians(vfov_deg) / 2)
        width, height = max(1, width), max(1, height)
        # A frame narrower than the sensor keeps the sensor's height whole, a wider one its width.
        narrower = width / height <= tan_h / tan_v
        focal = height / 2 / tan_v if narrower else width / 2 / tan_h
        return cls(focal, width, height)

    @property
    def hfov_deg(self) -> float:
        """The field of view across this frame."""
        return math.degrees(2 * math.atan(self.width / 2 / self.focal_px))

    def bearing_deg(self, x: float) -> float:
        """Degrees right of straight ahead (negative: left) of a point `x` (0..1) across."""
        return math.degrees(math.atan((x - 0.5) * self.width / self.focal_px))

    def clock(self, x: float) -> int:
        """Clock direction (12 = straight ahead) of a point `x` (0..1) across the frame."""
        hour = round(self.bearing_deg(x) / 30.0)
        return 12 if hour % 12 == 0 else hour % 12

    def distance(self, size_m: float, size_px: float) -> float | None:
        """Metres to a thing `size_m` across that spans `size_px` pixels in the frame."""
        if size_px <= 0 or size_m <= 0:
            return None
        return size_m * self.focal_px / size_px
