"""Where synthesized speech goes: the sound card, or WAV files when there is none.

`play()` returns when the audio has finished; cancelling it silences the output at once
(the player process is killed; a simulated playback stops its clock). A failure is an
`AudioOutputError`; the speaker then tries its fallback output (`make_fallback_output`: the ALSA
device the maker named in ``speech.fallback_device``).

WAV files are pruned as they are written (the newest `WAV_FILES_KEPT` stay): a simulated vest
talks all day. A run folder that cannot take them (read-only, full) gives way to a folder of
their own in the system's temporary folder, so the simulated vest keeps speaking as the real one
does with a full data partition.
"""

from __future__ import annotations

import abc
import asyncio
import collections
import logging
import shutil
import tempfile
from pathlib import Path

from ..aio import communicate, spawn
from ..errors import AudioOutputError
from ..settings import SpeechSettings
from .audio import Audio

_LOGGER = logging.getLogger(__name__)

WAV_FILES_KEPT = 200
"""About the last ten minutes of speech; older WAV files are deleted."""


class AudioOutput(abc.ABC):
    description = "audio output"

    def check(self) -> None:  # noqa: B027 -- most outputs have nothing to check
        """Raise `AudioOutputError` with advice if this output cannot work here."""

    @abc.abstractmethod
    async def play(self, audio: Audio, label: str) -> Path | None:
        """Play to the end; return the file written, if any."""


class SoundCardOutput(AudioOutput):
    """Pipe WAV into a player (``aplay``) on the default ALSA device, or on `device`."""

    def __init__(self, player: str, device: str = "") -> None:
        self._player = player
        self._device = device
        self.description = f"sound card {device}" if device else "sound card"

    def check(self) -> None:
        if shutil.which(self._player) is None:
            raise AudioOutputError(
                f"audio player {self._player} not found",
                advice='install alsa-utils, or set speech.output = "wav"',
            )

    async def play(self, audio: Audio, label: str) -> Path | None:
        device = ("-D", self._device) if self._device else ()
        try:
            process = await spawn(
                self._player,
                "-q",
                *device,
                "-",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as err:
            raise AudioOutputError(f"cannot run {self._player}: {err}") from err
        _out, stderr = await communicate(process, audio.to_wav())
        if process.returncode != 0:
            raise AudioOutputError(
                f"{self._player} failed: {stderr.decode('utf-8', 'replace').strip()}",
                advice="check the sound card with `aplay -l` (a USB card may be unplugged)",
            )
        return None


class WavFileOutput(AudioOutput):
    """Write each utterance to ``<folder>/<label>.wav``; optionally take its playing time."""

    description = "WAV files"

    def __init__(self, folder: Path, *, realtime: bool, keep: int = WAV_FILES_KEPT) -> None:
        self.folder = folder
        self._realtime = realtime
        self._keep = keep
        self._written: collections.deque[Path] = collections.deque()

    def check(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._written = collections.deque(sorted(self.folder.glob("*.wav")))
        except OSError as err:
            self._move_away(err)
        self._prune()

    async def play(self, audio: Audio, label: str) -> Path:
        data = audio.to_wav()
        try:
            path = await asyncio.to_thread(self._write, label, data)
        except OSError as err:
            self._move_away(err)
            try:
                path = await asyncio.to_thread(self._write, label, data)
            except OSError as again:
                raise AudioOutputError(f"cannot write speech to {self.folder}: {again}") from err
        if self._realtime:
            await asyncio.sleep(audio.duration)
        return path

    def _write(self, label: str, data: bytes) -> Path:
        path = self.folder / f"{label}.wav"
        try:
            path.write_bytes(data)
        except OSError:
            path.unlink(missing_ok=True)  # no half-written file left on a full disk
            raise
        self._written.append(path)
        self._prune()
        return path

    def _prune(self) -> None:
        while len(self._written) > self._keep:
            self._written.popleft().unlink(missing_ok=True)

    def _move_away(self, error: OSError) -> None:
        """The folder cannot take speech: use a fresh one in the temporary folder."""
        try:
            folder = Path(tempfile.mkdtemp(prefix="vestsight-speech-"))
        except OSError as err:
            raise AudioOutputError(f"no folder can take speech: {err}") from error
        _LOGGER.warning(
            "Speech WAV files cannot go to %s (%s): using %s", self.folder, error, folder
        )
        self.folder = folder
        self._written.clear()


def has_sound_card(proc_asound: Path = Path("/proc/asound/cards")) -> bool:
    try:
        text = proc_asound.read_text()
    except OSError:
        return False
    return bool(text.strip()) and "no soundcards" not in text


def make_speech_output(settings: SpeechSettings, run_dir: Path) -> AudioOutput:
    wav_output = WavFileOutput(run_dir / "speech", realtime=settings.wav_realtime)
    if settings.output == "wav":
        return wav_output
    if settings.output == "sound_card" or has_sound_card():
        return SoundCardOutput(settings.player)
    _LOGGER.info("No sound card found: speech goes to WAV files in %s", run_dir / "speech")
    return wav_output


def make_fallback_output(settings: SpeechSettings) -> AudioOutput | None:
    """The ALSA device to try when the sound card fails (``speech.fallback_device``), if any."""
    if not settings.fallback_device:
        return None
    return SoundCardOutput(settings.player, settings.fallback_device)
