"""`WearerFeedback`: every state change journalled, felt, then heard, once, in the wearer's
language; what the vest notices while starting is said right after "ready", in order."""

from __future__ import annotations

import asyncio

from tests.conftest import TIMEOUT, event, recording
from vestsight.errors import SttModelError
from vestsight.feedback import WearerFeedback
from vestsight.journal import Journal


def order(history: list[dict], *events: str) -> list[str]:
    return [r["event"] for r in history if r["event"] in events]


async def test_a_change_is_journalled_felt_then_heard(vest, journal: Journal) -> None:
    the_vest, _inputs, _llm = vest
    feedback = WearerFeedback(journal, the_vest.speaker, the_vest.haptics, the_vest.phrases)
    feedback.announce()
    async with recording(journal) as log:
        said = feedback.tell(
            "controller.battery", feel="error", say="controller_battery_low",
            values={"percent": 9}, percent=9,
        )  # fmt: skip
        assert said is not None
        queued = await log.expect(event("speech.queued"))
    assert order(log.history, "controller.battery", "haptic", "speech.queued") == [
        "controller.battery", "haptic", "speech.queued",
    ]  # fmt: skip
    journalled = next(r for r in log.history if r["event"] == "controller.battery")
    assert journalled["percent"] == 9
    assert "9" in queued["text"] and queued["source"] == "system"


async def test_what_is_noticed_while_starting_waits_for_ready_and_keeps_its_order(
    vest, journal: Journal
) -> None:
    the_vest, _inputs, _llm = vest
    feedback = WearerFeedback(journal, the_vest.speaker, the_vest.haptics, the_vest.phrases)
    async with recording(journal) as log:
        assert (
            feedback.tell("controller.missing", say="controller_missing", after_ready=True) is None
        )
        assert feedback.tell(feel="error", say="stt_missing", after_ready=True) is None
        assert not feedback.announced
        await log.expect(event("haptic", pattern="error"))
        assert order(log.history, "controller.missing", "haptic") == [
            "controller.missing",
            "haptic",
        ]
        assert not [r for r in log.history if r["event"] == "speech.queued"]
        feedback.announce()
        first = await log.expect(event("speech.queued"))
        second = await log.expect(lambda r: r["event"] == "speech.queued" and r is not first)
    assert first["text"] == the_vest.phrases.say("controller_missing")
    assert second["text"] == the_vest.phrases.say("stt_missing")
    assert feedback.tell(say="controller_missing", after_ready=True) is not None  # said at once


async def test_a_fault_is_said_in_the_language_the_wearer_switched_to(
    vest, journal: Journal
) -> None:
    the_vest, _inputs, _llm = vest
    feedback = WearerFeedback(journal, the_vest.speaker, the_vest.haptics, the_vest.phrases)
    feedback.announce()
    the_vest.phrases.switch("ru")  # what the language command does, for every holder at once
    try:
        async with recording(journal) as log:
            feedback.tell_error("stt.failed", SttModelError("model.bin: not a model"))
            queued = await log.expect(event("speech.queued"))
    finally:
        the_vest.phrases.switch("en")
    failed = next(r for r in log.history if r["event"] == "stt.failed")
    assert "not a model" in failed["error"]
    assert any("а" <= ch <= "я" for ch in queued["text"].lower()), queued["text"]
    assert order(log.history, "stt.failed", "haptic", "speech.queued") == [
        "stt.failed", "haptic", "speech.queued",
    ]  # fmt: skip


async def test_the_same_fault_told_twice_is_felt_and_heard_once(vest, journal: Journal) -> None:
    the_vest, _inputs, _llm = vest
    feedback = WearerFeedback(journal, the_vest.speaker, the_vest.haptics, the_vest.phrases)
    feedback.announce()
    async with recording(journal) as log:
        first = feedback.tell(feel="error", say="llm_restarting", once=True)
        second = feedback.tell(feel="error", say="llm_restarting", once=True)  # the supervisor
        await log.expect(event("speech.queued"))
        assert first is not None and second is None
        await asyncio.wait_for(first.finished, TIMEOUT)
        await log.expect(event("haptic.end", pattern="error"))
    felt = [r for r in log.history if r["event"] == "haptic"]
    said = [r for r in log.history if r["event"] == "speech.queued"]
    assert len(felt) == 1 and len(said) == 1
