"""The `Vest`: every part a command may use, wired once by the app and passed explicitly."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from ..battery.base import BatteryStatus
from ..camera import CameraService
from ..gpio.haptics import HapticMotor
from ..inputs.events import GamepadService
from ..journal import Journal
from ..llm.client import LlmClient
from ..memory import MemoryStore
from ..microphone import MicrophoneService
from ..phrases import Phrases
from ..settings import Settings
from ..speech.speaker import Speaker
from ..stt.service import SpeechRecognizer
from ..vision.ocr import TesseractOcr
from ..vision.service import VisionService

Choose = Callable[[str, list[str], list[str]], Awaitable[str | None]]
"""choose(prompt, options, spoken options) -> the option picked, or None if cancelled."""


async def _no_menu(prompt: str, options: list[str], spoken: list[str]) -> str | None:
    return None


def _no_battery() -> BatteryStatus | None:
    return None


@dataclass
class Preferences:
    """What the wearer changed by buttons; kept in the memory database across restarts."""

    verbosity: str = "normal"
    """brief, normal or detailed."""
    place: str = "unknown"
    """Where the wearer said they are (a key of the language file's [places])."""


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
    memory: MemoryStore | None = None
    prefs: Preferences = field(default_factory=Preferences)
    choose: Choose = _no_menu
    """Set by the controller: a spoken menu worked with the buttons."""
    parts_ready: Callable[[], dict[str, bool]] = dict
    """Set by the app: each part's name and whether it is working now, for "status"."""
    gamepad: GamepadService | None = None
    """Set by the app when a gamepad is configured, for "status"."""
    battery: Callable[[], BatteryStatus | None] = _no_battery
    """Set by the app: the battery as the power monitor last judged it, for "status"."""
    microphone: MicrophoneService | None = None
    stt: SpeechRecognizer | None = None
    """Set by the app: the push-to-talk microphone and speech-to-text, for asking by voice."""
    last_answer: list[str] = field(default_factory=list)
    """The sentences last said in answer to a command, for "repeat"."""
    last_exchange: list[dict[str, str]] = field(default_factory=list)
    """The last description's chat (prompt and answer), for "tell me more"."""
    reading: list[list[str]] = field(default_factory=list)
    """Pieces of text not read yet, for "continue"."""

    def say_all(self, sentences: list[str], source: str) -> None:
        for sentence in sentences:
            self.speaker.say(sentence, source=source)
