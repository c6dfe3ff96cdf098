"""What the vest sounded like, from a WAV: level, and when sound starts and stops.

The same analysis reads the simulated vest's speech files (real espeak-ng output) and the
bench's recording of a real vest's speaker line. Sound is 10 ms frames louder than a threshold
(absolute, and above the recording's own noise floor); pauses shorter than `merge_gap_s`
(between words) stay inside one sound.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

FRAME_S = 0.01
SILENCE_DBFS = -45.0
"""Quieter than this is silence, whatever the noise floor."""
ABOVE_FLOOR_DB = 12.0
"""Sound must also be this much louder than the quietest tenth of the recording."""
MERGE_GAP_S = 0.35


@dataclass(frozen=True)
class Sound:
    start: float
    """Seconds from the start of the recording."""
    end: float
    rms_dbfs: float
    peak_dbfs: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class AudioSummary:
    seconds: float
    """Length of the recording."""
    rms_dbfs: float
    peak_dbfs: float
    sounds: tuple[Sound, ...]

    @property
    def audible_seconds(self) -> float:
        return sum(s.seconds for s in self.sounds)

    @property
    def onset(self) -> float | None:
        return self.sounds[0].start if self.sounds else None


def read_wav(path: Path) -> tuple[npt.NDArray[np.float64], int]:
    """Mono samples in -1..1 and the sample rate (16-bit PCM; channels averaged)."""
    with wave.open(str(path)) as audio:
        if audio.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM is analysed")
        rate, channels = audio.getframerate(), audio.getnchannels()
        data = np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")
    samples = data.astype(np.float64).reshape(-1, channels).mean(axis=1) / 32768.0
    return samples, rate


def dbfs(value: float) -> float:
    return round(20 * float(np.log10(max(value, 1e-9))), 1)


def analyse(
    samples: npt.NDArray[np.float64], rate: int, merge_gap_s: float = MERGE_GAP_S
) -> AudioSummary:
    step = max(1, int(rate * FRAME_S))
    count = len(samples) // step
    frames = samples[: count * step].reshape(count, step) if count else np.zeros((0, step))
    rms = np.sqrt((frames**2).mean(axis=1)) if count else np.zeros(0)
    peak = float(np.abs(samples).max()) if len(samples) else 0.0
    overall = float(np.sqrt((samples**2).mean())) if len(samples) else 0.0
    floor = float(np.percentile(rms, 10)) if count else 0.0
    threshold = max(10 ** (SILENCE_DBFS / 20), floor * 10 ** (ABOVE_FLOOR_DB / 20))
    loud = rms > threshold
    sounds: list[Sound] = []
    start: int | None = None
    last = -1
    for index in [*np.flatnonzero(loud).tolist(), None]:
        if start is not None and (index is None or (index - last) * FRAME_S > merge_gap_s):
            part = frames[start : last + 1]
            sounds.append(
                Sound(
                    round(start * FRAME_S, 3),
                    round((last + 1) * FRAME_S, 3),
                    dbfs(float(np.sqrt((part**2).mean()))),
                    dbfs(float(np.abs(part).max())),
                )
            )
            start = None
        if index is not None:
            start = index if start is None else start
            last = index
    return AudioSummary(round(len(samples) / rate, 3), dbfs(overall), dbfs(peak), tuple(sounds))


def analyse_wav(path: Path) -> AudioSummary:
    samples, rate = read_wav(path)
    return analyse(samples, rate)
