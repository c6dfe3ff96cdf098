"""The microphone's one interface: record from now until the button is let go (or the longest
question), as 16-bit mono PCM at 16 kHz. Backends: `alsa` (the vest's USB or I2S microphone,
through arecord) and `simulated` (WAV files played in)."""

from __future__ import annotations

import abc
import asyncio
from dataclasses import dataclass

import numpy as np

from .wav import RATE

CHUNK_SECONDS = 0.1
"""Audio is read (and the button checked) in pieces this long."""
SILENT_DBFS = -50.0
"""A recording whose loudest tenth of a second is quieter than this heard nothing."""
CLIPPED_SHARE = 0.02
"""A recording with this share of its samples at full scale was too loud to hear well."""


@dataclass(frozen=True)
class Recording:
    pcm: bytes
    """16-bit little-endian mono samples at `RATE`."""
    ended: str
    """Why it stopped: ``released`` (the button) or ``longest`` (the length limit)."""

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / RATE

    def loudness(self) -> tuple[float, float]:
        """(the loudest 0.1 s's RMS in dBFS, the share of samples at full scale)."""
        samples = np.frombuffer(self.pcm, dtype="<i2").astype(np.float64)
        if samples.size == 0:
            return -120.0, 0.0
        step = int(RATE * CHUNK_SECONDS)
        pieces = [samples[i : i + step] for i in range(0, samples.size, step)]
        loudest = max(float(np.sqrt(np.mean(piece**2))) for piece in pieces)
        clipped = float(np.mean(np.abs(samples) >= 32767))
        return 20 * np.log10(max(loudest, 1e-3) / 32768.0), clipped

    @property
    def silent(self) -> bool:
        return self.loudness()[0] < SILENT_DBFS

    @property
    def clipped(self) -> bool:
        return self.loudness()[1] >= CLIPPED_SHARE


class Microphone(abc.ABC):
    description = "microphone"

    def check(self) -> None:  # noqa: B027 -- the simulated microphone is always there
        """Raise `MicrophoneError` with advice if no microphone can record here (blocking)."""

    @abc.abstractmethod
    async def record(self, until: asyncio.Event, max_seconds: float) -> Recording:
        """Record until `until` is set or `max_seconds` have passed; `MicrophoneError` if the
        microphone fails or is unplugged meanwhile. Cancelling stops it at once."""


def scaled(pcm: bytes, gain: float) -> bytes:
    """`pcm` with its samples multiplied by `gain` (clipped to 16 bits)."""
    if gain == 1.0:
        return pcm
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64) * gain
    return np.clip(samples, -32768, 32767).astype("<i2").tobytes()
