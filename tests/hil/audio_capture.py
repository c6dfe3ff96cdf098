"""The vest's speaker line, recorded on the bench for the whole run (arecord, raw 16-bit mono).

Sample n of the recording happened at ``start + n / rate`` on the bench clock. `start` is not
when arecord was spawned (it opens the device later) but the earliest ``now - samples / rate``
seen whenever the file is read: the recording can only lag the clock, never lead it.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from pathlib import Path

import numpy as np

from tests.conftest import TIMEOUT
from tests.hil.audio_check import analyse
from tests.hil.target import HeardSound

_LOGGER = logging.getLogger(__name__)

RATE = 16000
SAMPLE_BYTES = 2


class AudioCapture:
    def __init__(self, device: str, path: Path, rate: int = RATE) -> None:
        self._device = device
        self.path = path
        self.rate = rate
        self.start: float | None = None
        self._process: asyncio.subprocess.Process | None = None

    async def open(self) -> None:
        if shutil.which("arecord") is None:
            raise RuntimeError("arecord is not installed (apt install alsa-utils)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._process = await asyncio.create_subprocess_exec(
            "arecord", "-q", "-D", self._device, "-f", "S16_LE", "-c", "1",
            "-r", str(self.rate), "-t", "raw", str(self.path),
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _LOGGER.info("Recording the vest's audio from %s to %s", self._device, self.path)

    def _samples(self) -> np.ndarray:
        data = self.path.read_bytes() if self.path.exists() else b""
        now = time.monotonic()
        count = len(data) // SAMPLE_BYTES
        estimate = now - count / self.rate
        self.start = estimate if self.start is None else min(self.start, estimate)
        return np.frombuffer(data[: count * SAMPLE_BYTES], dtype="<i2").astype(np.float64) / 32768

    async def sounds(self, since: float, until: float) -> list[HeardSound]:
        samples = await asyncio.to_thread(self._samples)
        assert self.start is not None
        first = max(0, int((since - self.start) * self.rate))
        last = max(first, int((until - self.start) * self.rate))
        summary = analyse(samples[first:last], self.rate)
        offset = self.start + first / self.rate
        return [HeardSound(offset + s.start, offset + s.end, s.rms_dbfs) for s in summary.sounds]

    async def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.returncode is None:
            process.terminate()
        _out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
        if process.returncode not in (0, -15, None):
            _LOGGER.warning("arecord ended with %s: %s", process.returncode, err.decode().strip())
