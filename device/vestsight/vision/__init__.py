"""Fast vision: MediaPipe detectors, offline OCR, and spoken spatial phrasing."""

from __future__ import annotations

from pathlib import Path

from ..settings import VisionSettings
from .detectors import Detector, FaceDetector, HandDetector, ObjectDetector, PoseDetector


def make_detectors(settings: VisionSettings, models_dir: Path) -> list[Detector]:
    detectors: list[Detector] = []
    if settings.objects:
        model = Path(settings.object_model).expanduser()
        detectors.append(ObjectDetector(model if model.is_absolute() else models_dir / model,
                                        settings.min_score))  # fmt: skip
    if settings.pose:
        detectors.append(PoseDetector(settings.min_score))
    if settings.faces:
        detectors.append(FaceDetector(settings.min_score))
    if settings.hands:
        detectors.append(HandDetector(settings.min_score))
    return detectors


def ocr_languages_for(settings: VisionSettings, language: str) -> str:
    """Tesseract languages: as configured, or the wearer's language first."""
    if settings.ocr_languages:
        return settings.ocr_languages
    return "rus+eng" if language == "ru" else "eng+rus"
