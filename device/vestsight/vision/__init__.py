"""Fast vision: MediaPipe detectors, offline OCR, and spoken spatial phrasing."""

from __future__ import annotations

from pathlib import Path

from ..settings import VisionSettings
from .detectors import Detector, FaceDetector, HandDetector, PoseDetector
from .object_models import object_detector
from .ocr import Ocr, TesseractOcr


def make_detectors(settings: VisionSettings, models_dir: Path) -> list[Detector]:
    detectors: list[Detector] = []
    if settings.objects:
        detectors.append(object_detector(settings.object_model, models_dir, settings.min_score))
    if settings.pose:
        detectors.append(PoseDetector(settings.min_score))
    if settings.faces:
        detectors.append(FaceDetector(settings.min_score))
    if settings.hands:
        detectors.append(HandDetector(settings.min_score))
    return detectors


def make_ocr(settings: VisionSettings, language: str) -> Ocr:
    """The text reader, trying the wearer's `language` first (unless the config names them)."""
    return TesseractOcr(ocr_languages_for(settings, language))


def ocr_languages_for(settings: VisionSettings, language: str) -> str:
    """Tesseract languages: as configured, or the wearer's language first."""
    if settings.ocr_languages:
        return settings.ocr_languages
    return "rus+eng" if language == "ru" else "eng+rus"
