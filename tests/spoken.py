"""Real speech for asking by voice: espeak-ng says a question, written as a 16-kHz WAV, as the
vest's microphone would hear it."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np

from vestsight.microphone.wav import RATE, decode_wav

SLOW = 130
"""Words per minute: espeak-ng's Russian is clearer to Whisper when slower."""


def spoken_pcm(text: str, voice: str = "en-gb", rate: int = SLOW) -> bytes:
    """`text` said by espeak-ng as 16-bit mono PCM at 16 kHz."""
    audio = subprocess.run(
        ["espeak-ng", "--stdout", "-v", voice, "-s", str(rate), text],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    return decode_wav(audio)


def write_wav(path: Path, pcm: bytes, rate: int = RATE) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    return path


def spoken_wav(path: Path, text: str, voice: str = "en-gb", rate: int = SLOW) -> Path:
    """`text` said by espeak-ng, written to `path` as a 16-kHz mono WAV."""
    return write_wav(path, spoken_pcm(text, voice, rate))


def silence(seconds: float) -> bytes:
    return bytes(int(seconds * RATE) * 2)


def louder(pcm: bytes, gain: float) -> bytes:
    """`pcm` amplified until it clips, as a microphone held too close."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64) * gain
    return np.clip(samples, -32768, 32767).astype("<i2").tobytes()
