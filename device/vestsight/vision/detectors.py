"""Detectors behind one interface: MediaPipe faces, pose (people), hands, and objects.

Why mediapipe 0.10.18: it is the newest release with Linux aarch64 wheels for CPython 3.11
(Raspberry Pi OS Bookworm) that still ships the legacy solution models inside the wheel (face
detection, pose, hands), so faces, people and hands work on a vest with no download at all.
mediapipe 1.x ships no models. The object detector (EfficientDet-Lite0, Tasks API) is the one
model fetched by the maker's build (`models/manifest.toml`); without it the vest says so once and
the other detectors carry on.

Every detector is used from one vision thread only (MediaPipe graphs are not thread-safe);
mediapipe is imported when a detector opens, never at module import.
"""

from __future__ import annotations

import abc
import logging
from pathlib import Path
from typing import Any

from ..camera.base import Pixels
from ..errors import VisionError
from .detections import Box, Detection

_LOGGER = logging.getLogger(__name__)

VISIBLE = 0.5
"""Pose landmarks below this visibility are treated as not seen."""

NOSE, LEFT_EYE, RIGHT_EYE, LEFT_SHOULDER, RIGHT_SHOULDER = 0, 2, 5, 11, 12


class Detector(abc.ABC):
    name = "detector"

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

    def __init__(self, min_score: float) -> None:
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

    def __init__(self, min_score: float) -> None:
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
        seen = [m for m in marks if m.visibility >= VISIBLE]
        if len(seen) < 4:
            return []
        box = Box.around([m.x for m in seen], [m.y for m in seen])
        head_room = box.height * 0.12  # landmarks stop at the eyes: the head goes higher
        box = Box(box.left, max(0.0, box.top - head_room), box.right, box.bottom)
        score = sum(m.visibility for m in seen) / len(seen)
        return [Detection("person", box, float(score), self.name, facing=self._facing(marks))]

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


class HandDetector(Detector):
    """MediaPipe hands: up to two hands, with their side."""

    name = "hands"

    def __init__(self, min_score: float) -> None:
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

    def __init__(self, model: Path, min_score: float, max_results: int = 10) -> None:
        self._model = model
        self._min_score = min_score
        self._max_results = max_results
        self._detector: Any = None
        self._mp: Any = None

    def open(self) -> None:
        if not self._model.is_file():
            raise VisionError(
                f"object model {self._model} not found",
                advice="fetch it with make models (see models/manifest.toml)",
                spoken="object detection model missing",
            )
        self._mp = _mediapipe()
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.ObjectDetectorOptions(
            base_options=BaseOptions(model_asset_path=str(self._model)),
            running_mode=vision.RunningMode.IMAGE,
            score_threshold=self._min_score,
            max_results=self._max_results,
        )
        try:
            self._detector = vision.ObjectDetector.create_from_options(options)
        except (RuntimeError, ValueError) as err:
            raise VisionError(
                f"object model {self._model} cannot be loaded: {err}",
                advice="fetch it again with make models",
                spoken="object detection model damaged",
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
        return found

    def close(self) -> None:
        if self._detector is not None:
            self._detector.close()
            self._detector = None
