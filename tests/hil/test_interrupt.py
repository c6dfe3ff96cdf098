"""Any button stops speech at once: the sentence is cut, not finished, and the press is felt."""

from __future__ import annotations

import time

import pytest

from tests.conftest import event
from tests.hil.observe import SANITY_S, note, observe
from tests.hil.report import ScenarioRecord
from tests.hil.target import VestTarget

pytestmark = [pytest.mark.hil, pytest.mark.model, pytest.mark.asyncio(loop_scope="package")]


@pytest.mark.parametrize(
    ("source", "button"), [("gamepad", "b"), ("gamepad", "x"), ("gpio", "stop")]
)
async def test_a_press_cuts_the_speech(
    target: VestTarget, scenario: ScenarioRecord, source: str, button: str
) -> None:
    await target.quiet()
    client = target.client
    started = await target.tap("select")  # help: a long list of buttons
    speaking = await client.expect(event("speech.start", source="command"), started)
    await target.motor_idle()  # its buzz is over: the next one is told apart on the motor line

    pressed = await target.tap(button, source)
    cut = await client.expect(event("speech.end", id=speaking["id"]), started)
    assert cut["outcome"] == "interrupted"
    stopped = await client.expect(event("speech.stopped"), pressed)
    assert stopped["cut"] >= 1  # the rest of the list was dropped too
    silent_at = await target.sound_cut(pressed, speaking)
    assert silent_at is not None
    await client.expect(event("haptic.end", pattern="ack"), pressed)
    until = time.monotonic()
    await target.quiet()
    seen = await observe(target, pressed, until)
    note(scenario, seen)
    scenario.latency("press → silence", silent_at - pressed)
    assert 0 <= silent_at - pressed < SANITY_S
    assert seen.felt[0] == "ack" and seen.felt_as("ack")
    assert not [t for t in seen.spoken if t.startswith(("Buttons.", "A: "))]  # never resumed
