"""The microphone as a supervised service: checked at start and every few seconds while it is
missing, so "status" names it and the wearer hears once when there is none. Recording itself
happens in the asking command (`record`), only while the push-to-talk button is held."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ..errors import MicrophoneError
from ..journal import Journal
from ..supervisor import Service
from .base import Microphone, Recording, scaled

_LOGGER = logging.getLogger(__name__)

RECHECK_S = 10.0
"""While no microphone is found, look again this often (a USB microphone plugged in later)."""


class MicrophoneService(Service):
    name = "microphone"

    def __init__(
        self,
        backend: Microphone,
        journal: Journal,
        *,
        gain: float = 1.0,
        on_missing: Callable[[MicrophoneError], None] = lambda error: None,
    ) -> None:
        super().__init__()
        self.backend = backend
        self._journal = journal
        self._gain = gain
        self._on_missing = on_missing
        self.problem: MicrophoneError | None = None

    async def run(self) -> None:
        told = False
        while True:
            try:
                await asyncio.to_thread(self.backend.check)
            except MicrophoneError as err:
                self.ready.clear()
                if self.problem is None:
                    _LOGGER.warning("No microphone: %s", err)
                    self._journal.publish("microphone.missing", error=str(err))
                self.problem = err
                if not told:
                    told = True
                    self._on_missing(err)
                await asyncio.sleep(RECHECK_S)
                continue
            if self.problem is not None or not self.ready.is_set():
                self._journal.publish("microphone.ready", backend=self.backend.description)
            self.problem = None
            self.ready.set()
            await asyncio.sleep(RECHECK_S * 6)

    async def record(self, until: asyncio.Event, max_seconds: float) -> Recording:
        """Record (see `Microphone.record`), with the configured gain."""
        recording = await self.backend.record(until, max_seconds)
        return Recording(scaled(recording.pcm, self._gain), recording.ended)
