"""The push-to-talk tones, made here from sine tones: a short rising pair when recording starts
("speak now"), a falling pair when it stops. They go through the speaker's queue like earcons."""

from __future__ import annotations

import numpy as np

from ..speech.audio import Audio

RATE = 22050
TONES: dict[str, tuple[tuple[float, float], ...]] = {
    "listening": ((660.0, 0.07), (990.0, 0.09)),
    "listened": ((990.0, 0.07), (660.0, 0.09)),
}


def tone(name: str, volume: int = 100) -> Audio:
    """The tone `name` as 16-bit mono audio; `volume` as espeak's amplitude (100 normal)."""
    level = 0.3 * max(0, min(200, volume)) / 100
    pieces = []
    for frequency, seconds in TONES[name]:
        t = np.arange(int(RATE * seconds)) / RATE
        fade = np.minimum(1.0, np.minimum(t, seconds - t) / 0.008)  # no clicks
        pieces.append(np.sin(2 * np.pi * frequency * t) * fade * level)
    samples = np.clip(np.concatenate(pieces), -1.0, 1.0)
    return Audio(pcm=(samples * 32767).astype("<i2").tobytes(), rate=RATE)
