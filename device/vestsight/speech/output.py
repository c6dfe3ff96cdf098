"""Where synthesized speech goes: the sound card, or WAV files when there is none.

`play()` returns when the audio has finished; cancelling it silences the output at once
(the player process is killed; a simulated playback stops its clock).
"""

from __future__ import annotations

import abc
import asyncio
import logging
import shutil
from pathlib import Path

from ..aio import communicate, spawn
from ..errors import SpeechError
from ..settings import SpeechSettings
from .audio import Audio

_LOGGER = logging.getLogger(__name__)


class AudioOutput(abc.ABC):
    description = "audio output"

    def check(self) -> None:  # noqa: B027 -- most outputs have nothing to check
        """Raise `SpeechError` with advice if this output cannot work here."""

    @abc.abstractmethod
    async def play(self, audio: Audio, label: str) -> Path | None:
        """Play to the end; return the file written, if any."""


class SoundCardOutput(AudioOutput):
    """Pipe WAV into a player (``aplay``) on the default ALSA device."""

    description = "sound card"

    def __init__(self, player: str) -> None:
        self._player = player

    def check(self) -> None:
        if shutil.which(self._player) is None:
            raise SpeechError(
                f"audio player {self._player} not found",
                advice='install alsa-utils, or set speech.output = "wav"',
            )

    async def play(self, audio: Audio, label: str) -> Path | None:
        process = await spawn(
            self._player,
            "-q",
            "-",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _out, err = await communicate(process, audio.to_wav())
        if process.returncode != 0:
            raise SpeechError(
                f"{self._player} failed: {err.decode('utf-8', 'replace').strip()}",
                advice="check the sound card with `aplay -l`",
            )
        return None


class WavFileOutput(AudioOutput):
    """Write each utterance to ``<folder>/<label>.wav``; optionally take its playing time."""

    description = "WAV files"

    def __init__(self, folder: Path, *, realtime: bool) -> None:
        self._folder = folder
        self._realtime = realtime

    def check(self) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)

    async def play(self, audio: Audio, label: str) -> Path:
        path = self._folder / f"{label}.wav"
        data = audio.to_wav()
        await asyncio.to_thread(path.write_bytes, data)
        if self._realtime:
            await asyncio.sleep(audio.duration)
        return path


def has_sound_card(proc_asound: Path = Path("/proc/asound/cards")) -> bool:
    try:
        text = proc_asound.read_text()
    except OSError:
        return False
    return bool(text.strip()) and "no soundcards" not in text


def choose_output(settings: SpeechSettings, run_dir: Path) -> AudioOutput:
    wav_output = WavFileOutput(run_dir / "speech", realtime=settings.wav_realtime)
    if settings.output == "wav":
        return wav_output
    if settings.output == "sound_card" or has_sound_card():
        return SoundCardOutput(settings.player)
    _LOGGER.info("No sound card found: speech goes to WAV files in %s", run_dir / "speech")
    return wav_output
