"""The synthesizer: text in, `Audio` out. `Synthesizer` is what the speaker needs; espeak-ng is
the one backend, on the vest and here alike (it is small and offline, so nothing needs
simulating: without a sound card its real audio goes to WAV files, see `speech.output`).

espeak-ng runs as one short process per sentence, asynchronously (never blocking the loop), and
is killed if the sentence is dropped before it is synthesized.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from dataclasses import dataclass
from typing import Protocol

from ..aio import communicate, spawn
from ..errors import SpeechError, VoiceError
from .audio import Audio

_LOGGER = logging.getLogger(__name__)

ESPEAK = "espeak-ng"


@dataclass(frozen=True)
class Voice:
    name: str
    """espeak-ng voice, e.g. ``en-gb`` or ``ru``."""
    rate: int
    """Words per minute."""
    volume: int
    """espeak-ng amplitude, 100 is normal."""


class Synthesizer(Protocol):
    def check(self) -> None:
        """Raise `SpeechError` with advice if the synthesizer cannot run (blocking: call it
        off the loop)."""

    async def synthesize(self, text: str, voice: Voice) -> Audio:
        """`text` read by `voice`; `VoiceError` if the voice does not exist, `SpeechError`
        for any other failure."""
        ...


def make_synthesizer() -> Synthesizer:
    return EspeakSynthesizer()


class EspeakSynthesizer:
    def __init__(self, program: str = ESPEAK) -> None:
        self._program = program

    def check(self) -> None:
        if shutil.which(self._program) is None:
            raise SpeechError(
                f"{self._program} is not installed",
                advice="install Debian's espeak-ng package (make setup does this)",
            )

    async def synthesize(self, text: str, voice: Voice) -> Audio:
        try:
            process = await spawn(
                self._program,
                "--stdout",
                "-v",
                voice.name,
                "-s",
                str(voice.rate),
                "-a",
                str(voice.volume),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as err:  # removed or broken since the start
            raise SpeechError(
                f"cannot run {self._program}: {err}", advice="reinstall Debian's espeak-ng package"
            ) from err
        out, stderr = await communicate(process, text.encode("utf-8"))
        if process.returncode != 0:
            message = stderr.decode("utf-8", "replace").strip()
            error = VoiceError if "voice" in message.casefold() else SpeechError
            raise error(
                f"espeak-ng failed ({process.returncode}): {message}",
                advice=f"check that the voice {voice.name!r} exists: espeak-ng --voices",
            )
        return Audio.from_wav(out)
