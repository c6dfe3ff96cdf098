"""Detectors behind one interface: MediaPipe faces, pose (people), hands, and objects.

Why mediapipe 0.10.18: it is the newest release with Linux aarch64 wheels for CPython 3.11
(Raspberry Pi OS Bookworm) that still ships the legacy solution models inside the wheel (face
detection, pose, hands), so faces, people and hands work on a vest with no download at all.
mediapipe 1.x ships no models. The object detector EfficientDet-Lite0 (Tasks API) is the one
model fetched by the maker's build (`models/manifest.toml`); `object_models.py` falls back to an
SSD-MobileNet-v2 that installs from PyPI, and says once when neither can be used.

Every detector is used from one thread only, the one that opened it (MediaPipe graphs are not
thread-safe); mediapipe is imported when a detector opens, never at module import.
"""

from __future__ import annotations

import abc
import logging
from pathlib import Path
from typing import Any

import numpy as np

from ..camera.base import Pixels
from ..errors import VisionError
from .coco import COCO_LABELS
from .detections import Box, Detection
from .faults import ModelDamaged, ModelMissing
from .model_check import check_listed, one_label_per_thing

_LOGGER = logging.getLogger(__name__)

VISIBLE = 0.5
"""Pose landmarks below this visibility are treated as not seen."""

NOSE, LEFT_EYE, RIGHT_EYE, LEFT_SHOULDER, RIGHT_SHOULDER = 0, 2, 5, 11, 12


MIN_LANDMARKS = 4
"""Fewer visible pose landmarks than this are not a person."""


class Detector(abc.ABC):
    name = "detector"
    labels: frozenset[str] = frozenset()
    """What this detector can name (``person``, ``face``, ``hand``, COCO classes)."""

    def __init__(self) -> None:
        self.problems: list[VisionError] = []
        """Worth telling the wearer once the detector is open (a model replaced by another)."""

    @abc.abstractmethod
    def open(self) -> None: ...

    @abc.abstractmethod
    def detect(self, rgb: Pixels) -> list[Detection]: ...

    def close(self) -> None:  # noqa: B027 -- most detectors override it
        """Release the model (default: nothing to release)."""


def _mediapipe() -> Any:
    try:
        import mediapipe
    except ImportError as err:
        raise VisionError(
            f"mediapipe cannot be imported: {err}",
            advice="run make setup (mediapipe 0.10.18 is pinned in requirements.lock)",
        ) from err
    return mediapipe


class FaceDetector(Detector):
    """MediaPipe face detection, full-range model (faces up to about 5 m)."""

    name = "faces"
    labels = frozenset({"face"})

    def __init__(self, min_score: float) -> None:
        super().__init__()
        self._min_score = min_score
        self._graph: Any = None

    def open(self) -> None:
        solutions = _mediapipe().solutions
        self._graph = solutions.face_detection.FaceDetection(
            model_selection=1, min_detection_confidence=self._min_score
        )

    def detect(self, rgb: Pixels) -> list[Detection]:
        found = []
        for detection in self._graph.process(rgb).detections or []:
            box = detection.location_data.relative_bounding_box
            found.append(
                Detection(
                    "face",
                    Box(box.xmin, box.ymin, box.xmin + box.width, box.ymin + box.height).clipped(),
                    float(detection.score[0]),
                    self.name,
                    facing="towards",  # a detected face is a face turned to the camera
                )
            )
        return found

    def close(self) -> None:
        if self._graph is not None:
            self._graph.close()
            self._graph = None


class PoseDetector(Detector):
    """MediaPipe pose: the most prominent person, with which way they face."""

    name = "pose"
    labels = frozenset({"person"})

    def __init__(self, min_score: float) -> None:
        super().__init__()
        self._min_score = min_score
        self._graph: Any = None

    def open(self) -> None:
        self._graph = _mediapipe().solutions.pose.Pose(
            static_image_mode=True, model_complexity=1, min_detection_confidence=self._min_score
        )

    def detect(self, rgb: Pixels) -> list[Detection]:
        result = self._graph.process(rgb)
        if not result.pose_landmarks:
            return []
        marks = result.pose_landmarks.landmark
        seen = [i for i, m in enumerate(marks) if m.visibility >= VISIBLE]
        if len(seen) < MIN_LANDMARKS:
            return []
        box = Box.around([marks[i].x for i in seen], [marks[i].y for i in seen])
        head_room = box.height * 0.12  # landmarks stop at the eyes: the head goes higher
        box = Box(box.left, max(0.0, box.top - head_room), box.right, box.bottom)
        score = sum(marks[i].visibility for i in seen) / len(seen)
        world = result.pose_world_landmarks
        scale = _px_per_m(rgb, marks, world.landmark, seen) if world else None
        return [
            Detection(
                "person", box, float(score), self.name, facing=self._facing(marks), px_per_m=scale
            )
        ]

    @staticmethod
    def _facing(marks: Any) -> str | None:
        left, right = marks[LEFT_SHOULDER], marks[RIGHT_SHOULDER]
        if left.visibility < VISIBLE or right.visibility < VISIBLE:
            return None
        # Facing the camera, a person's left shoulder is on the image's right.
        if left.x < right.x:
            return "away"
        nose_seen = marks[NOSE].visibility >= VISIBLE
        eyes_seen = min(marks[LEFT_EYE].visibility, marks[RIGHT_EYE].visibility) >= VISIBLE
        return "towards" if nose_seen and eyes_seen else None

    def close(self) -> None:
        if self._graph is not None:
            self._graph.close()
            self._graph = None


def _px_per_m(rgb: Pixels, marks: Any, world: Any, seen: list[int]) -> float | None:
    """How many pixels a metre spans at the person: the landmarks seen, in pixels, against the
    same landmarks in metres (MediaPipe's world landmarks share the camera's axes), by least
    squares about their centres; None when they are too bunched up to tell."""
    height, width = rgb.shape[:2]
    pixels = np.array([[marks[i].x * width, marks[i].y * height] for i in seen])
    metres = np.array([[world[i].x, world[i].y] for i in seen])
    pixels -= pixels.mean(axis=0)
    metres -= metres.mean(axis=0)
    spread = float((metres * metres).sum())
    if spread / len(seen) < 1e-4:  # landmarks within about a centimetre of their centre
        return None
    scale = float((pixels * metres).sum()) / spread
    return scale if scale > 0 else None


class HandDetector(Detector):
    """MediaPipe hands: up to two hands, with their side."""

    name = "hands"
    labels = frozenset({"hand"})

    def __init__(self, min_score: float) -> None:
        super().__init__()
        self._min_score = min_score
        self._graph: Any = None

    def open(self) -> None:
        self._graph = _mediapipe().solutions.hands.Hands(
            static_image_mode=True,
            max_num_hands=2,
            model_complexity=1,
            min_detection_confidence=self._min_score,
        )

    def detect(self, rgb: Pixels) -> list[Detection]:
        result = self._graph.process(rgb)
        found = []
        for marks, handedness in zip(
            result.multi_hand_landmarks or [], result.multi_handedness or [], strict=False
        ):
            category = handedness.classification[0]
            box = Box.around([m.x for m in marks.landmark], [m.y for m in marks.landmark])
            found.append(
                Detection(
                    "hand", box, float(category.score), self.name, side=category.label.lower()
                )
            )
        return found

    def close(self) -> None:
        if self._graph is not None:
            self._graph.close()
            self._graph = None


class ObjectDetector(Detector):
    """MediaPipe Tasks object detector with an EfficientDet-Lite model (COCO classes)."""

    name = "objects"
    labels = COCO_LABELS

    def __init__(self, model: Path, min_score: float, max_results: int = 10) -> None:
        super().__init__()
        self.model = model
        self._min_score = min_score
        self._max_results = max_results
        self._detector: Any = None
        self._mp: Any = None

    def open(self) -> None:
        if not self.model.is_file():
            raise ModelMissing(
                f"object model {self.model} not found",
                advice="fetch it with make models (see models/manifest.toml)",
            )
        check_listed(self.model)
        self._mp = _mediapipe()
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.ObjectDetectorOptions(
            base_options=BaseOptions(model_asset_path=str(self.model)),
            running_mode=vision.RunningMode.IMAGE,
            score_threshold=self._min_score,
            max_results=self._max_results,
        )
        try:
            self._detector = vision.ObjectDetector.create_from_options(options)
        except (RuntimeError, ValueError) as err:
            raise ModelDamaged(
                f"object model {self.model} cannot be loaded: {err}",
                advice="fetch it again with make models",
            ) from err

    def detect(self, rgb: Pixels) -> list[Detection]:
        height, width = rgb.shape[:2]
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        found = []
        for detection in self._detector.detect(image).detections:
            category = detection.categories[0]
            b = detection.bounding_box
            box = Box(
                b.origin_x / width,
                b.origin_y / height,
                (b.origin_x + b.width) / width,
                (b.origin_y + b.height) / height,
            ).clipped()
            found.append(Detection(category.category_name, box, float(category.score), self.name))
        return one_label_per_thing(found)

    def close(self) -> None:
        if self._detector is not None:
            self._detector.close()
            self._detector = None
