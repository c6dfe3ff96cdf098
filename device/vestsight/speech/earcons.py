"""Short sounds made here, from sine tones: no downloaded sound files.

An earcon says a state faster than words: a rising chord for "ready", a low double tone for an
error, rising and falling pairs for a controller coming and going, a falling triplet for a low
battery. They go through the speaker's queue, so any press silences them like speech.
"""

from __future__ import annotations

import numpy as np

from .audio import Audio

RATE = 22050

# name -> (frequency Hz or 0 for silence, seconds) steps
EARCONS: dict[str, tuple[tuple[float, float], ...]] = {
    "ready": ((523.25, 0.09), (659.25, 0.09), (783.99, 0.16)),
    "error": ((220.0, 0.12), (0.0, 0.06), (220.0, 0.12)),
    "connected": ((587.33, 0.08), (880.0, 0.12)),
    "disconnected": ((880.0, 0.08), (587.33, 0.12)),
    "low_battery": ((783.99, 0.1), (659.25, 0.1), (523.25, 0.18)),
}


def render(name: str, volume: int = 100) -> Audio:
    """The earcon `name` as 16-bit mono audio; `volume` as espeak's amplitude (100 normal)."""
    level = 0.35 * max(0, min(200, volume)) / 100
    pieces = []
    for frequency, seconds in EARCONS[name]:
        t = np.arange(int(RATE * seconds)) / RATE
        tone = np.sin(2 * np.pi * frequency * t) if frequency else np.zeros_like(t)
        fade = np.minimum(1.0, np.minimum(t, seconds - t) / 0.01)  # 10 ms ramps: no clicks
        pieces.append(tone * fade * level)
    samples = np.clip(np.concatenate(pieces), -1.0, 1.0)
    return Audio(pcm=(samples * 32767).astype("<i2").tobytes(), rate=RATE)
