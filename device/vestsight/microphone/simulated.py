"""The simulated microphone: it hears what is played into it (a WAV, by the control socket's
``listen``), in real time, and silence otherwise. It can be unplugged, as a bench pulls a USB
microphone out mid-question."""

from __future__ import annotations

import asyncio
import logging
import time

from ..aio import wait_within
from ..errors import MicrophoneError
from .base import CHUNK_SECONDS, Microphone, Recording
from .wav import RATE

_LOGGER = logging.getLogger(__name__)


class SimulatedMicrophone(Microphone):
    description = "simulated microphone"

    def __init__(self) -> None:
        self._sound = b""
        self.unplugged = False

    def play(self, pcm: bytes) -> None:
        """What the next recording hears from its start (16-bit mono 16 kHz); one at a time."""
        self._sound = pcm

    async def record(self, until: asyncio.Event, max_seconds: float) -> Recording:
        sound, self._sound = self._sound, b""
        limit = int(max_seconds * RATE) * 2
        step = int(CHUNK_SECONDS * RATE) * 2
        started = time.monotonic()
        pcm = bytearray()
        while len(pcm) < limit:
            if self.unplugged:
                raise MicrophoneError("the simulated microphone was unplugged")
            heard = sound[len(pcm) : len(pcm) + step]
            pcm += heard + bytes(step - len(heard))
            due = started + len(pcm) / 2 / RATE  # real time: a chunk is heard as it is spoken
            try:
                await wait_within(until.wait(), max(0.0, due - time.monotonic()))
            except TimeoutError:
                continue
            return Recording(bytes(pcm), "released")
        return Recording(bytes(pcm[:limit]), "longest")
