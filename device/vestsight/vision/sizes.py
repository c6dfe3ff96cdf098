"""How big things usually are, to tell how far they are from how big they look.

Heights are used when a thing's whole height is in the frame (most things stand upright, so the
height varies least with the way they are turned); widths when its top or bottom is cut off.
Values are typical adult and household sizes in metres; a thing of unusual size (a child, a
toy car) is misjudged in proportion, which the spoken rounding allows for.

People are measured by the parts in view (see `distance.py`): the face, the body's landmarks,
or the whole body's height, never by a box that may show only the head and shoulders.
"""

from __future__ import annotations

PERSON_HEIGHT_M = 1.7
"""A standing adult, head to feet."""
BODY_WIDTH_M = 0.45
"""A person's width across the shoulders and upper arms."""
FACE_BOX_WIDTH_M = 0.15
"""The width of a face detector's box: BlazeFace's box is about 2.35 times the distance between
the eyes (measured on MediaPipe's own detections), and adults' eyes are 63 mm apart on average."""

SIZES_M: dict[str, tuple[float | None, float | None]] = {
    # (usual height, usual width seen from the front)
    "bicycle": (1.05, None), "car": (1.5, 1.8), "motorcycle": (1.1, None), "bus": (3.0, 2.5),
    "train": (3.8, 3.0), "truck": (3.0, 2.5), "boat": (None, None), "traffic light": (0.9, 0.3),
    "fire hydrant": (0.75, 0.4), "stop sign": (0.75, 0.75), "parking meter": (1.3, None),
    "bench": (0.8, 1.5), "bird": (0.2, None), "cat": (0.3, None), "dog": (0.55, None),
    "horse": (1.6, None), "sheep": (0.9, None), "cow": (1.4, None), "backpack": (0.45, 0.3),
    "umbrella": (0.9, 1.0), "handbag": (0.3, 0.35), "tie": (0.5, 0.09), "suitcase": (0.65, 0.45),
    "sports ball": (0.22, 0.22), "skateboard": (None, 0.8), "tennis racket": (0.68, None),
    "bottle": (0.25, 0.08), "wine glass": (0.18, 0.08), "cup": (0.1, 0.09), "fork": (None, None),
    "bowl": (0.08, 0.16), "banana": (None, 0.2), "apple": (0.08, 0.08), "orange": (0.08, 0.08),
    "chair": (0.9, 0.5), "couch": (0.85, 2.0), "potted plant": (0.5, None), "bed": (0.6, 1.6),
    "dining table": (0.75, None), "toilet": (0.75, 0.4), "tv": (0.6, 1.0), "laptop": (0.24, 0.34),
    "mouse": (0.04, 0.06), "remote": (None, None), "keyboard": (0.04, 0.44),
    "cell phone": (0.15, 0.075), "microwave": (0.3, 0.5), "oven": (0.9, 0.6),
    "toaster": (0.2, 0.3), "sink": (0.25, 0.55), "refrigerator": (1.75, 0.7), "book": (0.23, 0.16),
    "clock": (0.3, 0.3), "vase": (0.3, 0.15), "teddy bear": (0.35, 0.25),
    "hair drier": (0.25, None), "toothbrush": (None, None),
}  # fmt: skip
