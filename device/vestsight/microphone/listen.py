"""`listen` for the control socket: a WAV file is played into the simulated microphone while the
push-to-talk button is held for its length, so tests and the bench can ask questions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, RecordingFormatError
from ..inputs.events import Source
from .simulated import SimulatedMicrophone
from .wav import RATE, read_wav

_LOGGER = logging.getLogger(__name__)

RELEASE_MARGIN_S = 0.3
"""The button is let go this long after the sound ends (a finger is never exact)."""


@dataclass
class Listener:
    microphone: SimulatedMicrophone | None
    """None when the vest has a real microphone: nothing can be played into it."""
    source: Source
    button: str
    """The push-to-talk button pressed for the sound."""
    hold_s: float
    """The long-press time: recording starts once the button has been held this long."""
    max_seconds: float
    on_unusable: Callable[[RecordingFormatError], None] = lambda error: None
    """Told (and the wearer hears) when the WAV cannot be played in."""

    async def prepare(self, path: Path) -> float:
        """Load `path` into the simulated microphone; how long the button must stay down."""
        if self.microphone is None:
            raise InputError(
                "listen needs microphone.backend = simulated",
                advice="a real vest hears its own microphone: speak to it",
            )
        try:
            pcm = await asyncio.to_thread(read_wav, path, 4 * self.max_seconds)
        except RecordingFormatError as err:
            _LOGGER.warning("Cannot play %s into the microphone: %s", path, err)
            self.on_unusable(err)
            raise
        self.microphone.play(pcm)
        return self.hold_s + len(pcm) / 2 / RATE + RELEASE_MARGIN_S
