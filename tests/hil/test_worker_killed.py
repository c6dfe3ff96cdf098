"""The model worker killed mid-answer (as the OOM killer would): heard, felt, and it comes back."""

from __future__ import annotations

import signal
import time

import pytest

from tests.conftest import event
from tests.hil.observe import note, observe
from tests.hil.report import ScenarioRecord
from tests.hil.target import VestTarget
from tests.integration.llm_harness import LOAD_TIMEOUT

pytestmark = [pytest.mark.hil, pytest.mark.model, pytest.mark.asyncio(loop_scope="package")]


async def test_a_killed_worker_is_heard_restarting_and_answers_again(
    target: VestTarget, scenario: ScenarioRecord
) -> None:
    assert (await target.wait_model(LOAD_TIMEOUT))["llm"] == "ready"
    await target.quiet()
    client = target.client
    pressed = await target.tap("a")
    await client.expect(event("llm.request"), pressed)

    killed = time.monotonic()
    pid = await target.signal_worker(signal.SIGKILL)
    failed = await client.expect(event("service.failed", service="llm"), killed)
    assert "died" in failed["error"], failed
    # Said once: by the supervisor, or by the answer that failed (whichever comes first).
    told = await client.expect(
        lambda r: r["event"] == "speech.queued" and restarting(r["text"]), killed
    )
    assert told["priority"] == "urgent"
    await client.expect(event("haptic", pattern="error"), killed)
    heard = await client.expect(event("speech.start", id=told["id"]), killed)
    await client.expect(event("speech.end", id=heard["id"]), killed)
    loaded = await client.expect(event("llm.state", state="ready"), killed, LOAD_TIMEOUT)
    await client.expect(event("speech.queued", text="Description ready."), killed)
    seen = await observe(target, killed)
    note(scenario, seen, prefix="worker killed")
    scenario.latency("worker killed → model ready", loaded["mono"] - killed)
    assert seen.felt_as("error"), seen.pulses
    assert (await client.status())["llm_pid"] not in (None, pid)
    said = [r["text"] for r in client.since(killed) if r["event"] == "speech.queued"]
    assert len([text for text in said if restarting(text)]) == 1, said

    await target.quiet()
    pressed = await target.tap("a")  # and it answers again
    await client.expect(event("llm.request"), pressed)
    await target.quiet()


def restarting(text: str) -> bool:
    return text.strip().rstrip(".").casefold() == "description engine restarting"
