"""Describe: measured facts and detections at once, then the model's answer as it streams."""

from __future__ import annotations

import asyncio
import logging

from ..aio import wait_within
from ..errors import OcrError
from ..llm.client import LlmState
from ..phrases import Phrases
from ..speech.sentences import SentenceSplitter
from ..vision.frame_facts import FrameFacts, measure_frame
from ..vision.ocr import OcrResult
from ..vision.phrasing import ahead_sentences
from .looking import optional_findings, read_frame_text
from .vest import Vest

_LOGGER = logging.getLogger(__name__)

MAX_REPEATED_SENTENCES = 2
FAST_ITEMS = 2
"""How many detections the fast path says before the model's answer."""
PROMPT_TEXT_CHARS = 600


async def describe(vest: Vest) -> None:
    frame = await vest.camera.capture()
    reading = asyncio.create_task(read_frame_text(vest, frame), name="describe-ocr")
    try:
        facts = await asyncio.to_thread(measure_frame, frame)
        items = await optional_findings(vest, frame)
        vest.journal.publish("describe.facts", frame=frame.source, facts=facts.as_prompt_text())
        found = ahead_sentences(items, vest.phrases, 99) if items else []
        first = found[:FAST_ITEMS] or [scene_sentence(vest.phrases, facts)]
        vest.say_all(first, "fast")
        answer = list(first)
        vest.last_answer = answer
        if vest.llm.state is not LlmState.READY:
            vest.speaker.say(llm_unavailable(vest), source="command")
            return
        text = await _text_if_quick(vest, reading)
        messages = describe_messages(vest.phrases, facts, found, text)
        vest.haptics.follow("thinking")
        try:
            await speak_answer(vest, messages, answer)
        finally:
            vest.haptics.stop("thinking")
    finally:
        reading.cancel()


async def _text_if_quick(vest: Vest, reading: asyncio.Task[OcrResult]) -> str:
    """The text in view if reading it finishes within describe_ocr_wait_s, else ""."""
    try:
        result = await wait_within(
            asyncio.shield(reading), vest.settings.vision.describe_ocr_wait_s
        )
    except TimeoutError:
        _LOGGER.info("Describing without text: reading took too long")
        return ""
    except OcrError as err:
        _LOGGER.warning("Describing without text: %s", err)
        return ""
    return result.text[:PROMPT_TEXT_CHARS]


async def speak_answer(vest: Vest, messages: list[dict[str, str]], answer: list[str]) -> None:
    """Stream the model's answer and say each sentence as soon as it is complete.

    A sentence the answer already said is skipped; when the model keeps repeating itself
    (small models loop), generation is cancelled rather than making the wearer wait.
    """
    splitter = SentenceSplitter()
    repeats = 0
    async with vest.llm.generate(messages) as generation:
        async for text in generation:
            for sentence in splitter.feed(text):
                if sentence in answer:
                    repeats += 1
                    if repeats >= MAX_REPEATED_SENTENCES:
                        vest.journal.publish("describe.looping", text=sentence)
                        return
                    continue
                _say_sentence(vest, sentence, answer)
        tail = splitter.flush()
        if generation.done is not None and generation.done.finish_reason == "length":
            return  # cut off mid-sentence by the length cap: a fragment only confuses
        for sentence in tail:
            if sentence not in answer:
                _say_sentence(vest, sentence, answer)


def _say_sentence(vest: Vest, sentence: str, answer: list[str]) -> None:
    vest.journal.publish("describe.sentence", text=sentence)
    answer.append(sentence)
    vest.speaker.say(sentence, source="llm")


def scene_sentence(phrases: Phrases, facts: FrameFacts) -> str:
    colours = phrases.join(phrases.word("colours", name) for name, _share in facts.colours)
    sentence = phrases.say(
        "scene",
        light=phrases.word("light", facts.light),
        colours=colours or phrases.word("colours", "grey"),
        focus=phrases.word("focus", facts.focus),
    )
    return sentence[0].upper() + sentence[1:]


def describe_messages(
    phrases: Phrases, facts: FrameFacts, found: list[str], text: str
) -> list[dict[str, str]]:
    none = phrases.prompt("none")
    user = phrases.prompt(
        "describe",
        facts=facts.as_prompt_text(),
        findings=" ".join(found) or none,
        text=" ".join(text.split()) or none,
    )
    return [
        {"role": "system", "content": phrases.prompt("system")},
        {"role": "user", "content": user},
    ]


def llm_unavailable(vest: Vest) -> str:
    if vest.llm.state is LlmState.FAILED:
        return vest.phrases.say("llm_failed", reason=vest.llm.failure_reason)
    if vest.llm.state is LlmState.OFF:
        return vest.phrases.say("llm_off")
    return vest.phrases.say("llm_not_ready")
