"""A simulated vest with a scripted model (a fake subclassing the client), for unit tests.

The real model is exercised in tests/integration; here the token stream is under the test's
control. Speech is real espeak-ng to WAV files; the motor is gpiozero's MockFactory.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from vestsight.commands import Vest
from vestsight.feedback import WearerFeedback
from vestsight.journal import Journal
from vestsight.llm import protocol
from vestsight.llm.client import Generation, LlmClient, LlmState
from vestsight.settings import Settings


class ScriptedLlm(LlmClient):
    """Streams `tokens`; stops before the token at `gate_at` until `gate` is set."""

    def __init__(self, journal: Journal, tokens: list[str], gate_at: int) -> None:
        super().__init__(Settings().llm, journal, lambda state, reason: None)
        self.tokens = tokens
        self.gate_at = gate_at
        self.gate = asyncio.Event()
        self.cancelled = False
        self.finished = False
        self.prompts: list[str] = []
        self.images: list[bytes] = []

    async def run(self) -> None:
        self._set_state(LlmState.READY)
        self.ready.set()
        await asyncio.Future()

    @contextlib.asynccontextmanager
    async def generate(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int | None = None,
        image: bytes = b"",
        image_type: str = "image/jpeg",
    ) -> AsyncIterator[Generation]:
        assert messages[0]["role"] == "system" and messages[1]["role"] == "user"
        self.prompts.append(messages[1]["content"])
        self.images.append(image)
        generation = Generation(request_id="scripted")
        feeder = asyncio.create_task(self._feed(generation))
        try:
            yield generation
        finally:
            if generation.done is None:
                self.cancelled = True
            feeder.cancel()

    async def _feed(self, generation: Generation) -> None:
        for index, token in enumerate(self.tokens):
            if index == self.gate_at:
                await self.gate.wait()
            generation._items.put_nowait(protocol.Token(request_id="scripted", text=token))
            await asyncio.sleep(0)
        self.finished = True
        generation._items.put_nowait(protocol.Done(request_id="scripted", finish_reason="stop"))


TOKENS = ["The", " door", " is", " open", ".", " A", " chair", " stands", " left", ".", " End", "."]


def feedback_of(vest: Vest) -> WearerFeedback:
    """What the app builds for the vest's state changes, on the test vest's parts (already
    "ready": sentences are said at once)."""
    feedback = WearerFeedback(vest.journal, vest.speaker, vest.haptics, vest.phrases)
    feedback.announce()
    return feedback
