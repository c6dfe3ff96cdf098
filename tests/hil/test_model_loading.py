"""Pressing describe while the model still loads: the fast path answers, the wait is explained.

The vest is started afresh and its model worker is frozen (SIGSTOP) the moment it is spawned,
so "still loading" lasts as long as the scenario needs, on any machine; it is thawed after.
"""

from __future__ import annotations

import signal

import pytest

from tests.conftest import event
from tests.hil.observe import SANITY_S, note, observe
from tests.hil.report import ScenarioRecord
from tests.hil.target import VestTarget
from tests.integration.llm_harness import LOAD_TIMEOUT
from vestsight.journal import Record

pytestmark = [pytest.mark.hil, pytest.mark.model, pytest.mark.asyncio(loop_scope="package")]


async def test_describe_while_the_model_loads(target: VestTarget, scenario: ScenarioRecord) -> None:
    frozen: list[int] = []

    async def freeze_the_worker(record: Record) -> None:
        if record["event"] == "llm.worker" and not frozen:
            frozen.append(await target.signal_worker(signal.SIGSTOP, record["pid"]))

    power = await target.power_on(freeze_the_worker)
    client = target.client
    try:
        if not frozen:  # a real vest's link may come up after the worker was spawned
            status = await client.status()
            assert status["llm"] in ("starting", "loading"), f"loaded already: {status}"
            frozen.append(await target.signal_worker(signal.SIGSTOP, status["llm_pid"]))
        ready = next(
            r for r in power.records if r["event"] == "speech.queued" and r["source"] == "system"
        )
        assert ready["text"] == "Vestsight ready. Description engine loading."
        assert (await client.status())["llm"] in ("starting", "loading")
        await target.quiet()
        pressed = await target.tap("a")
        fast = await client.expect(event("speech.queued", source="fast"), pressed)
        assert fast["text"]
        wait = await client.expect(event("speech.queued", source="command"), pressed)
        assert wait["text"] == "Description engine is still loading."
        await client.expect(event("command.done", command="describe"), pressed)
        heard = await client.expect(event("speech.start", id=wait["id"]), pressed)
        await client.expect(event("speech.end", id=heard["id"]), pressed)
        seen = await observe(target, pressed)
        note(scenario, seen)
        assert not seen.first("llm.request")
        assert seen.felt[0] == "ack" and seen.felt_as("ack")
        to_audio = seen.to_audio()
        assert to_audio is not None and to_audio < SANITY_S
    finally:
        if frozen:
            await target.signal_worker(signal.SIGCONT, frozen[0])

    status = await target.wait_model(LOAD_TIMEOUT)
    assert status["llm"] == "ready", status
    await client.expect(event("speech.queued", text="Description ready."), power.started)
    await target.quiet()
    pressed = await target.tap("a")  # now the model answers
    await client.expect(event("llm.request"), pressed)
    await target.quiet()
