"""Power-on to "ready": heard, felt, timed; the model announces itself when it has loaded.

On the simulated vest "power" is starting the app; on the bench it is the vest's power (or its
service) coming on. The bench's vest is this one for the scenarios after it.
"""

from __future__ import annotations

import pytest

from tests.conftest import event
from tests.hil.observe import note, observe
from tests.hil.report import ScenarioRecord
from tests.hil.target import VestTarget
from tests.integration.llm_harness import LOAD_TIMEOUT

pytestmark = [pytest.mark.hil, pytest.mark.model, pytest.mark.asyncio(loop_scope="package")]


async def test_power_on_to_ready_is_heard_felt_and_timed(
    target: VestTarget, scenario: ScenarioRecord
) -> None:
    power = await target.power_on()
    client = target.client
    ready = power.ready
    assert ready["missing"] == [], ready
    spoken = [r for r in power.records if r["event"] == "speech.queued"]
    words = [r for r in spoken if r["source"] != "earcon"]
    assert words[0]["text"].startswith("Vestsight ready."), words
    earcon = next(r for r in spoken if r["source"] == "earcon")
    assert earcon["text"] == "[ready]" and earcon["mono"] <= words[0]["mono"]
    felt = await client.expect(event("haptic", pattern="ready"), power.started)
    assert felt["felt"]
    heard = await client.expect(event("speech.start", id=words[0]["id"]), power.started)
    await client.expect(event("speech.end", id=heard["id"]), power.started)
    await client.expect(event("haptic.end", pattern="ready"), power.started)

    status = await target.wait_model(LOAD_TIMEOUT)
    assert status["llm"] == "ready", status
    loaded = await client.expect(event("llm.state", state="ready"), power.started)
    await client.expect(event("speech.queued", text="Description ready."), power.started)
    seen = await observe(target, power.started)
    note(scenario, seen, prefix="power-on")
    scenario.latency("power-on → ready", ready["mono"] - power.started)
    scenario.latency("power-on → model ready", loaded["mono"] - power.started)
    assert seen.felt[0] == "ready" and seen.felt_as("ready"), seen.pulses
    assert seen.first_sound is not None and seen.first_sound.rms_dbfs > -45
    await target.quiet()
