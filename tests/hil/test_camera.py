"""The camera unplugged: a press says so (heard and felt), the vest restarts the camera, which
is not ready while it gives no frame, and works again soon after it is back. Simulated: the photo
in view becomes unreadable; bench: the camera is switched off by the bench's unplug command
(hardware/BENCH.md)."""

from __future__ import annotations

import pytest

from tests.conftest import event
from tests.hil.observe import SANITY_S, note, observe
from tests.hil.report import ScenarioRecord
from tests.hil.target import VestTarget
from vestsight.camera.base import RETRY_DELAYS_S

pytestmark = [pytest.mark.hil, pytest.mark.model, pytest.mark.asyncio(loop_scope="package")]


async def test_an_unplugged_camera_is_heard_and_comes_back(
    target: VestTarget, scenario: ScenarioRecord
) -> None:
    await target.quiet()
    client = target.client
    await target.unplug_camera()
    try:
        pressed = await target.tap("y")
        error = await client.expect(event("speech.queued", source="error"), pressed)
        assert error["text"] == "camera problem"
        told = await client.expect(event("speech.queued", source="supervisor"), pressed)
        assert told["text"] == "Camera failed, restarting."
        await client.expect(event("haptic", pattern="error"), pressed)
        heard = await client.expect(event("speech.start", id=told["id"]), pressed)
        await client.expect(event("speech.end", id=heard["id"]), pressed)
        seen = await observe(target, pressed)
        note(scenario, seen, prefix="press, camera out")
        assert seen.felt_as("error"), seen.pulses
        # Restarted or still waiting to be, it has given no frame: it must not say it works.
        assert not (await client.status())["ready"]["camera"]
    finally:
        back = await target.replug_camera()
    await client.until_status(lambda s: s["ready"]["camera"])
    ready = await client.expect(event("service.ready", service="camera"), back)
    scenario.latency("camera back → ready", ready["mono"] - back)
    # It tries again at least every RETRY_DELAYS_S[-1] seconds; the rest is slack for a busy CI.
    assert ready["mono"] - back < RETRY_DELAYS_S[-1] + SANITY_S
    pressed = await target.tap("y")
    ahead = await client.expect(event("speech.queued", source="ahead"), pressed)
    assert ahead["text"]
    scenario.latency("camera back → working", ahead["mono"] - back)
    await target.quiet()
