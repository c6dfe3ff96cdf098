"""Reading a WAV file as the microphone would have heard it: 16 kHz, mono, 16-bit.

A WAV played into the simulated microphone (tests, the bench, `listen` on the control socket)
may be any PCM WAV of 8, 16, 24 or 32 bits, mono or stereo, at any common rate: it is mixed down
and resampled. Anything else (not RIFF/WAVE, compressed, a float or unknown encoding, no samples,
or longer than the microphone takes) is a `RecordingFormatError` naming what is wrong.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..errors import RecordingFormatError

RATE = 16000
"""The microphone's rate: what speech-to-text takes."""
MIN_RATE, MAX_RATE = 8000, 192000
PCM = 1
EXTENSIBLE = 0xFFFE
MAX_FILE_BYTES = 64 << 20


def read_wav(path: Path, max_seconds: float = 60.0) -> bytes:
    """The WAV at `path` as 16-bit mono PCM at 16 kHz; `RecordingFormatError` if unusable."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise RecordingFormatError(f"{path} is {size} bytes: too long for a question")
        data = path.read_bytes()
    except OSError as err:
        raise RecordingFormatError(f"cannot read {path}: {err.strerror or err}") from err
    return decode_wav(data, max_seconds, str(path))


def decode_wav(data: bytes, max_seconds: float = 60.0, name: str = "the audio") -> bytes:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise RecordingFormatError(f"{name} is not a WAV file", advice="send RIFF/WAVE PCM audio")
    fmt: tuple[int, int, int, int] | None = None
    offset = 12
    while offset + 8 <= len(data):
        tag = data[offset : offset + 4]
        size = struct.unpack_from("<I", data, offset + 4)[0]
        body = offset + 8
        if tag == b"fmt " and size >= 16:
            encoding, channels, rate, _byte_rate, _align, bits = struct.unpack_from(
                "<HHIIHH", data, body
            )
            if encoding == EXTENSIBLE and size >= 40:
                encoding = struct.unpack_from("<H", data, body + 24)[0]
            fmt = (encoding, channels, rate, bits)
        elif tag == b"data":
            if fmt is None:
                raise RecordingFormatError(f"{name} has no format chunk before its samples")
            samples = data[body : min(len(data), body + size)]
            return _to_microphone(samples, *fmt, max_seconds=max_seconds, name=name)
        offset = body + size + (size & 1)
    raise RecordingFormatError(f"{name} has no samples (no data chunk)")


def _to_microphone(
    data: bytes,
    encoding: int,
    channels: int,
    rate: int,
    bits: int,
    *,
    max_seconds: float,
    name: str,
) -> bytes:
    if encoding != PCM:
        raise RecordingFormatError(
            f"{name} is not PCM (format tag {encoding})", advice="send 16-bit PCM WAV"
        )
    if bits not in (8, 16, 24, 32) or not 1 <= channels <= 8:
        raise RecordingFormatError(f"{name} has {bits}-bit samples in {channels} channels")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise RecordingFormatError(f"{name} is sampled at {rate} Hz", advice="8 to 192 kHz")
    width = bits // 8
    frames = len(data) // (width * channels)
    if frames == 0:
        raise RecordingFormatError(f"{name} has no samples")
    if frames / rate > max_seconds:
        raise RecordingFormatError(
            f"{name} lasts {frames / rate:.1f} s, longer than {max_seconds:.0f} s"
        )
    samples = _samples(data[: frames * width * channels], width).reshape(frames, channels)
    mono = samples.mean(axis=1)
    if rate != RATE:
        from scipy.signal import resample_poly

        common = math.gcd(rate, RATE)
        mono = resample_poly(mono, RATE // common, rate // common)
    pcm: bytes = np.clip(np.round(mono * 32768.0), -32768, 32767).astype("<i2").tobytes()
    return pcm


def _samples(data: bytes, width: int) -> npt.NDArray[np.float64]:
    """Samples as floats in -1..1 (8-bit WAV is unsigned; the others signed little-endian)."""
    if width == 1:
        return (np.frombuffer(data, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    if width == 3:
        raw = np.frombuffer(data, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        values = raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)
        values = np.where(values >= 1 << 23, values - (1 << 24), values)
        return values.astype(np.float64) / float(1 << 23)
    kind = "<i2" if width == 2 else "<i4"
    return np.frombuffer(data, dtype=kind).astype(np.float64) / float(1 << (8 * width - 1))
