"""The vest's microphone through ALSA: `arecord` writes raw 16-kHz mono samples to a pipe.

arecord (alsa-utils, in the image's audio layer) runs only while the button is held; ALSA's
plug layer converts whatever the device gives (an I2S MEMS microphone's 32-bit stereo, a USB
microphone's 48 kHz) to what speech-to-text takes. A device missing at the press, or lost
mid-question (a USB microphone pulled out), is a `MicrophoneError`.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

from ..aio import spawn
from ..errors import MicrophoneError
from .base import CHUNK_SECONDS, Microphone, Recording
from .wav import RATE

_LOGGER = logging.getLogger(__name__)

CHUNK_BYTES = int(RATE * CHUNK_SECONDS) * 2


class AlsaMicrophone(Microphone):
    description = "ALSA microphone"

    def __init__(
        self, device: str, recorder: str = "arecord", proc_pcm: Path = Path("/proc/asound/pcm")
    ) -> None:
        self._device = device
        self._recorder = recorder
        self._proc_pcm = proc_pcm

    def check(self) -> None:
        if shutil.which(self._recorder) is None:
            raise MicrophoneError(
                f"{self._recorder} not found", advice="install alsa-utils (the image has it)"
            )
        try:
            devices = self._proc_pcm.read_text()
        except OSError:
            devices = ""
        if "capture" not in devices:
            raise MicrophoneError(
                "no ALSA capture device",
                advice="plug in the USB microphone, or check the I2S overlay (hardware/WIRING.md)",
            )

    async def record(self, until: asyncio.Event, max_seconds: float) -> Recording:
        process = await spawn(
            self._recorder,
            "-q",
            "-D",
            self._device,
            "-f",
            "S16_LE",
            "-r",
            str(RATE),
            "-c",
            "1",
            "-t",
            "raw",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        limit = int(max_seconds * RATE) * 2
        pcm = bytearray()
        ended = "longest"
        released = asyncio.ensure_future(until.wait())
        try:
            while len(pcm) < limit:
                reading = asyncio.ensure_future(process.stdout.read(CHUNK_BYTES))
                await asyncio.wait({reading, released}, return_when=asyncio.FIRST_COMPLETED)
                if not reading.done():
                    reading.cancel()
                    await asyncio.wait({reading})
                    ended = "released"
                    break
                chunk = reading.result()
                if not chunk:  # arecord ended by itself: the device went away
                    raise MicrophoneError(
                        f"{self._recorder} stopped: {await _stderr(process)}",
                        advice="the microphone was unplugged or failed",
                    )
                pcm += chunk
                if released.done():
                    ended = "released"
                    break
        finally:
            released.cancel()
            if process.returncode is None:
                process.kill()
            # Read the pipes to their end so their transports close, even when cancelled.
            await asyncio.shield(process.communicate())
        return Recording(bytes(pcm[:limit] if ended == "longest" else pcm), ended)


async def _stderr(process: asyncio.subprocess.Process) -> str:
    assert process.stderr is not None
    try:
        data = await asyncio.wait_for(process.stderr.read(2000), 1.0)
    except TimeoutError:
        return "(no message)"
    return data.decode("utf-8", "replace").strip() or "(no message)"
