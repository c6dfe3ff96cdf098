"""The simulated gamepad tells the app what a real pad tells, through the vest's own feedback."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import TIMEOUT, event, recording
from tests.unit.simulated_vest import feedback_of
from vestsight.errors import InputError
from vestsight.inputs.events import Action, InputQueue, Source
from vestsight.inputs.simulated_pad import SimulatedPad
from vestsight.journal import Journal
from vestsight.pad_feedback import PadFeedback


async def test_it_connects_presses_sleeps_wakes_and_runs_low(vest, journal: Journal) -> None:
    the_vest, _inputs, _llm = vest
    inputs = InputQueue()
    pad = SimulatedPad(PadFeedback(feedback_of(the_vest), inputs).callbacks("simulated"), "Pad")
    async with recording(journal) as log:
        task = asyncio.create_task(pad.run())
        await asyncio.wait_for(pad.ready.wait(), TIMEOUT)
        assert pad.connected and pad.battery_percent == 100
        connected = await log.expect(event("controller.connected"))
        assert connected["name"] == "Pad"
        await log.expect(event("speech.queued", text="Controller connected."))

        pad.press("a", True)
        pad.press("a", False)
        events = [await asyncio.wait_for(inputs.get(), TIMEOUT) for _ in range(2)]
        assert [(e.source, e.button, e.action, e.origin) for e in events] == [
            (Source.GAMEPAD, "a", Action.PRESS, "simulated"),
            (Source.GAMEPAD, "a", Action.RELEASE, "simulated"),
        ]

        pad.sleep()
        await log.expect(event("haptic", pattern="disconnected"))
        assert not pad.connected and pad.battery_percent is None
        pad.press("b", True)  # a press wakes it, then counts
        await log.expect(lambda r: r["event"] == "controller.connected" and r is not connected)
        woken = await asyncio.wait_for(inputs.get(), TIMEOUT)
        assert (woken.button, woken.action) == ("b", Action.PRESS)

        pad.set_battery(9)
        low = await log.expect(event("speech.queued", priority="urgent"))
        assert "9" in low["text"]
        with pytest.raises(InputError):
            pad.set_battery(140)
        with pytest.raises(InputError):
            pad.press("turbo", True)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    batteries = [r["percent"] for r in log.history if r["event"] == "controller.battery"]
    assert batteries == [100, 100, 9]
