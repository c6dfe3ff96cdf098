"""The gamepad goes to sleep and comes back: the wearer hears and feels both, and it works again.

Simulated: the paired pad's /dev/input node vanishes and reappears (the real evdev service reads
it). Bench: the emulated BLE pad powers off and on.
"""

from __future__ import annotations

import pytest

from tests.conftest import event
from tests.hil.observe import note, observe
from tests.hil.report import ScenarioRecord
from tests.hil.target import VestTarget

pytestmark = [pytest.mark.hil, pytest.mark.model, pytest.mark.asyncio(loop_scope="package")]


async def test_the_pad_going_and_coming_back_is_heard_and_felt(
    target: VestTarget, scenario: ScenarioRecord
) -> None:
    await target.quiet()
    client = target.client
    for change, stimulus in (("disconnected", target.pad_off), ("connected", target.pad_on)):
        at = await stimulus()
        record = await client.expect(event(f"controller.{change}"), at)
        assert record["name"]
        felt = await client.expect(event("haptic", pattern=change), at)
        assert felt["felt"]
        said = await client.expect(event("speech.queued", text=f"Controller {change}."), at)
        heard = await client.expect(event("speech.start", id=said["id"]), at)
        await client.expect(event("speech.end", id=heard["id"]), at)
        await client.expect(event("haptic.end", pattern=change), at)
        seen = await observe(target, at)
        note(scenario, seen, prefix=f"pad {change}")
        scenario.latency(f"pad {change} → journal", record["mono"] - at)
        assert seen.felt_as(change), seen.pulses

    pressed = await target.tap("start")  # the pad works again
    await client.expect(event("input", button="start", source="gamepad"), pressed)
    await client.expect(event("command.done", command="status"), pressed)
    await target.quiet()
