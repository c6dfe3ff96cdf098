"""The `Vest`: every part a command may use, wired once by the app and passed explicitly."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..camera import CameraService
from ..gpio.haptics import HapticMotor
from ..journal import Journal
from ..llm.client import LlmClient
from ..phrases import Phrases
from ..settings import Settings
from ..speech.speaker import Speaker
from ..vision.ocr import TesseractOcr
from ..vision.service import VisionService


@dataclass
class Vest:
    settings: Settings
    phrases: Phrases
    journal: Journal
    speaker: Speaker
    haptics: HapticMotor
    camera: CameraService
    llm: LlmClient
    vision: VisionService
    ocr: TesseractOcr
    last_answer: list[str] = field(default_factory=list)
    """The sentences last said in answer to a command, for "repeat"."""
    reading: list[list[str]] = field(default_factory=list)
    """Pieces of text not read yet, for "continue"."""

    def say_all(self, sentences: list[str], source: str) -> None:
        for sentence in sentences:
            self.speaker.say(sentence, source=source)
