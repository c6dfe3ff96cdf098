"""The real LLM client and worker under a supervisor, for tests that talk to the small model."""

from __future__ import annotations

import asyncio

from vestsight.journal import Journal
from vestsight.llm.client import LlmClient, LlmState
from vestsight.settings import LlmSettings
from vestsight.supervisor import Backoff, Supervisor

LOAD_TIMEOUT = 120.0
"""Loading the model takes seconds here; generous for a slow shared CI machine."""


class Harness:
    def __init__(self, journal: Journal, settings: LlmSettings, system_prompt: str = "") -> None:
        self.states: list[tuple[LlmState, str]] = []
        self.failures: list[str] = []
        self.client = LlmClient(
            settings,
            journal,
            lambda s, r: self.states.append((s, r)),
            system_prompt=system_prompt,
        )
        self.supervisor = Supervisor(
            journal, lambda svc, err, n, d: self.failures.append(str(err)), Backoff((0.05,))
        )

    async def start(self) -> None:
        self.supervisor.start(self.client)

    async def ready(self) -> None:
        await asyncio.wait_for(self.client.ready.wait(), LOAD_TIMEOUT)
