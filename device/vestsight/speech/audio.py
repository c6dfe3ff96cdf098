"""PCM audio as espeak-ng produces it, with a correct WAV header.

``espeak-ng --stdout`` streams, so its WAV header carries placeholder sizes; `Audio.from_wav`
takes the format from the ``fmt`` chunk and everything after the ``data`` tag as samples.
"""

from __future__ import annotations

import io
import struct
import wave
from dataclasses import dataclass

from ..errors import SpeechError


@dataclass(frozen=True)
class Audio:
    pcm: bytes
    rate: int
    channels: int = 1
    sample_width: int = 2

    @property
    def duration(self) -> float:
        frame_bytes = self.channels * self.sample_width
        return len(self.pcm) / frame_bytes / self.rate if self.rate else 0.0

    @classmethod
    def from_wav(cls, data: bytes) -> Audio:
        if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
            raise SpeechError("synthesizer output is not WAV audio")
        offset = 12
        rate = channels = width = 0
        while offset + 8 <= len(data):
            tag = data[offset : offset + 4]
            size = struct.unpack_from("<I", data, offset + 4)[0]
            body = offset + 8
            if tag == b"fmt ":
                _fmt, channels, rate, _byte_rate, _align, bits = struct.unpack_from(
                    "<HHIIHH", data, body
                )
                width = bits // 8
            elif tag == b"data":
                if not rate:
                    raise SpeechError("WAV audio has no format chunk before its samples")
                end = len(data) if body + size > len(data) else body + size
                return cls(pcm=data[body:end], rate=rate, channels=channels, sample_width=width)
            offset = body + size + (size & 1)
        raise SpeechError("WAV audio has no data chunk")

    def to_wav(self) -> bytes:
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as writer:
            writer.setnchannels(self.channels)
            writer.setsampwidth(self.sample_width)
            writer.setframerate(self.rate)
            writer.writeframes(self.pcm)
        return buffer.getvalue()
