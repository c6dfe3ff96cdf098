"""The `Vest`: every part a command may use, wired once by the app and passed explicitly, and
the wearer's `Session`."""

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
from ..vision.ocr import Ocr
from ..vision.service import VisionService

Choose = Callable[[str, list[str], list[str]], Awaitable[str | None]]
"""choose(prompt, options, spoken options) -> the option picked, or None if cancelled."""


async def _no_menu(prompt: str, options: list[str], spoken: list[str]) -> str | None:
    return None


def _no_battery() -> BatteryStatus | None:
    return None


def _no_gamepad() -> GamepadService | None:
    return None


@dataclass
class Preferences:
    """What the wearer changed by buttons; kept in the memory database across restarts."""

    verbosity: str = "normal"
    """brief, normal or detailed."""
    place: str = "unknown"
    """Where the wearer said they are (a key of the language file's [places])."""


@dataclass
class Session:
    """The wearer's session: what changes as they use the vest (the parts never do)."""

    prefs: Preferences = field(default_factory=Preferences)
    last_answer: list[str] = field(default_factory=list)
    """The sentences last said in answer to a command, for "repeat"."""
    last_exchange: list[dict[str, str]] = field(default_factory=list)
    """The last description's chat (prompt and answer), for "tell me more"."""
    reading: list[list[str]] = field(default_factory=list)
    """Pieces of text not read yet, for "continue"."""


@dataclass(frozen=True)
class Vest:
    """Every part a command may use, built once by the app (nothing is set on it later), and
    the wearer's `session`."""

    settings: Settings
    phrases: Phrases
    """The wearer's language; `prefs.switch_language` switches it for every part at once."""
    journal: Journal
    speaker: Speaker
    haptics: HapticMotor
    camera: CameraService
    llm: LlmClient
    vision: VisionService
    ocr: Ocr
    memory: MemoryStore | None = None
    """None when memory is off in the config; see `usable_memory`."""
    microphone: MicrophoneService | None = None
    stt: SpeechRecognizer | None = None
    """The push-to-talk microphone and speech-to-text, for asking by voice."""
    choose: Choose = _no_menu
    """A spoken menu worked with the buttons (`vestsight.menu.SpokenMenu.choose`)."""
    parts_ready: Callable[[], dict[str, bool]] = dict
    """Each part's name and whether it is working now, for "status"."""
    gamepad: Callable[[], GamepadService | None] = _no_gamepad
    """The gamepad service, if one is configured, for "status"."""
    battery: Callable[[], BatteryStatus | None] = _no_battery
    """The battery as the power monitor last judged it, for "status"."""
    session: Session = field(default_factory=Session)

    @property
    def usable_memory(self) -> MemoryStore | None:
        """The memory database while it can be used (not off, not closed by a shutdown, not
        failed to open)."""
        return self.memory if self.memory is not None and self.memory.usable else None

    def say_all(self, sentences: list[str], source: str) -> None:
        for sentence in sentences:
            self.speaker.say(sentence, source=source)
