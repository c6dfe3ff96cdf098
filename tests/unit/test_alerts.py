"""A fault's sentence cut short by a press is said again after the answer to that press, never
before it (the real controller, speaker and espeak-ng on the test vest)."""

from __future__ import annotations

from tests.conftest import event, recording
from tests.unit.simulated_vest import feedback_of
from tests.unit.test_controller import press
from vestsight.alerts import REPEATS, FaultAlerts
from vestsight.journal import Journal
from vestsight.llm.client import OUT_OF_MEMORY

NEEDS_MEMORY = "The description model needs more memory than is free. Still trying to load it."


async def test_a_cut_fault_sentence_comes_back_after_the_answer_asked_for(
    vest, journal: Journal
) -> None:
    the_vest, inputs, _llm = vest
    alerts = FaultAlerts(feedback_of(the_vest), lull_s=0.3)
    async with recording(journal) as log:
        alerts.llm_retrying(OUT_OF_MEMORY)
        await log.expect(event("speech.start", text=NEEDS_MEMORY))
        press(inputs, "y")  # "what's ahead" while the fault is being said
        answered = await log.expect(event("command.done", command="ahead"))
        heard = await log.expect(event("speech.end", text=NEEDS_MEMORY, outcome="done"))
    starts = [r for r in log.history if r["event"] == "speech.start"]
    texts = [r["text"] for r in starts]
    answer = next(r for r in starts if r["source"] == "ahead")
    again = [r for r in starts if r["text"] == NEEDS_MEMORY][1]
    assert answer["mono"] < again["mono"], texts
    assert again["mono"] > answered["mono"]
    assert texts.count(NEEDS_MEMORY) == 2 <= 1 + REPEATS
    assert heard["mono"] > again["mono"]
