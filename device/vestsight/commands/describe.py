"""Describe: measured facts and detections at once, then the model's answer as it streams."""

from __future__ import annotations

import asyncio
import logging

import numpy as np

from ..aio import wait_within
from ..camera.base import Pixels
from ..camera.jpeg import model_jpeg
from ..errors import OcrError
from ..llm.client import OUT_OF_MEMORY, LlmState
from ..phrases import Phrases
from ..vision.detections import Box
from ..vision.frame_facts import FrameFacts, measure_frame
from ..vision.ocr import OcrResult
from ..vision.phrasing import ahead_sentences, thing_name
from ..vision.spatial import held_region
from .answer import speak_answer
from .looking import look_scene, optional_findings, read_frame_text
from .reading import code_sentences
from .vest import Vest

_LOGGER = logging.getLogger(__name__)

FAST_ITEMS = 2
"""How many detections the fast path says before the model's answer."""
PROMPT_TEXT_CHARS = 600
HELD_TEXT_WAIT_S = 3.0
HELD_TEXT_CHARS = 200


async def describe(vest: Vest) -> None:
    """Say at once what was detected (or the frame's light), then the text in view, then the
    model's description: of the image itself when the model sees, else of those findings."""
    frame = await vest.camera.capture()
    reading = asyncio.create_task(read_frame_text(vest, frame), name="describe-ocr")
    reading.add_done_callback(_note_failure)
    try:
        facts = await asyncio.to_thread(measure_frame, frame)
        items = await optional_findings(vest, frame)
        vest.journal.publish("describe.facts", frame=frame.source, facts=facts.as_prompt_text())
        found = ahead_sentences(items, vest.phrases, 99) if items else []
        first = found[:FAST_ITEMS] or [scene_sentence(vest.phrases, facts)]
        vest.say_all(first, "fast")
        answer = list(first)
        vest.session.last_answer = answer
        text = await _text_if_quick(vest, reading)
        if text:  # a sign or a label in view is part of the description, word for word
            said = vest.phrases.say("text_in_view", text=first_words(text, HELD_TEXT_CHARS))
            vest.say_all([said], "fast")
            answer.append(said)
        if vest.llm.state is not LlmState.READY:
            vest.speaker.say(llm_unavailable(vest), source="command")
            return
        seeing = vest.llm.vision
        messages = describe_messages(
            vest.phrases, facts, found, text, vest.session.prefs.verbosity, image=seeing
        )
        image = await asyncio.to_thread(model_jpeg, frame.pixels) if seeing else b""
        await _answer(vest, messages, answer, image)
    finally:
        reading.cancel()


async def _answer(
    vest: Vest, messages: list[dict[str, str]], answer: list[str], image: bytes = b""
) -> None:
    """The model's answer, spoken as it streams, with the thinking rhythm felt meanwhile."""
    vest.haptics.follow("thinking")
    spoken_before = len(answer)
    try:
        await speak_answer(vest, messages, answer, max_tokens=answer_tokens(vest), image=image)
        if len(answer) == spoken_before:  # the model said nothing worth hearing: never silence
            vest.speaker.say(vest.phrases.say("nothing_from_model"), source="command")
    finally:
        vest.haptics.stop("thinking")
        said = " ".join(answer[spoken_before:])
        vest.session.last_exchange = (
            [*messages, {"role": "assistant", "content": said}] if said else []
        )


def answer_tokens(vest: Vest) -> int:
    factor = {"brief": 0.5, "detailed": 2.0}.get(vest.session.prefs.verbosity, 1.0)
    return max(16, int(vest.settings.llm.max_answer_tokens * factor))


async def tell_more(vest: Vest) -> None:
    """A follow-up on the last description, with its chat as context."""
    if not vest.session.last_exchange:
        vest.speaker.say(vest.phrases.say("nothing_to_follow"), source="command")
        return
    if vest.llm.state is not LlmState.READY:
        vest.speaker.say(llm_unavailable(vest), source="command")
        return
    length = vest.phrases.word("lengths", vest.session.prefs.verbosity)
    question = {"role": "user", "content": vest.phrases.prompt("more", length=length)}
    answer: list[str] = []
    vest.session.last_answer = answer
    await _answer(vest, [*vest.session.last_exchange, question], answer)


async def what_is_this(vest: Vest) -> None:
    """What the wearer holds up: things and text around the hands, then the model's word."""
    frame = await vest.camera.capture()
    scene, _items = await look_scene(vest, frame)
    region = held_region(scene) or Box(0.25, 0.25, 0.75, 0.75)
    held = [
        d.label for d in scene.detections
        if d.label not in ("person", "face", "hand") and d.box.overlap(region) > 0.5
    ]  # fmt: skip
    crop = crop_pixels(frame.pixels, region)
    # A barcode or QR code anywhere in the frame (a crop could cut it), said in its own voice.
    codes = await code_sentences(vest, frame.pixels)
    text = ""
    try:
        await asyncio.to_thread(vest.ocr.check)
        result = await wait_within(vest.ocr.read(crop), HELD_TEXT_WAIT_S)
        text = " ".join(result.text.split())
    except (TimeoutError, OcrError) as err:
        _LOGGER.info("No text read from the held thing: %r", err)
    names = [thing_name(label, 1, vest.phrases) for label in dict.fromkeys(held)]
    answer: list[str] = []
    if names:
        answer.append(vest.phrases.say("holding", things=vest.phrases.join(names)))
    answer.extend(codes)
    if text:
        answer.append(vest.phrases.say("it_says", text=text[:HELD_TEXT_CHARS]))
    vest.say_all(answer, "fast")
    vest.session.last_answer = answer
    if vest.llm.state is not LlmState.READY:
        if not answer:
            vest.speaker.say(vest.phrases.say("nothing_held"), source="command")
        return
    if not answer:  # the model may take seconds: never leave the wearer with only the buzz
        vest.speaker.say(vest.phrases.say("looking_closer"), source="command")
    none = vest.phrases.prompt("none")
    user = vest.phrases.prompt(
        "this_image" if vest.llm.vision else "this",
        findings=", ".join(names) or none,
        text=" ".join([*codes, text[:PROMPT_TEXT_CHARS]]).strip() or none,
        length=vest.phrases.word("lengths", "brief"),
    )
    messages = [
        {"role": "system", "content": vest.phrases.prompt("system")},
        {"role": "user", "content": user},
    ]
    image = await asyncio.to_thread(model_jpeg, crop) if vest.llm.vision else b""
    await _answer(vest, messages, answer, image)


def first_words(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters ("read" has all)."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    return line[:limit].rsplit(" ", 1)[0]


def crop_pixels(pixels: Pixels, region: Box) -> Pixels:
    height, width = pixels.shape[:2]
    top, bottom = int(region.top * height), max(int(region.bottom * height), 1)
    left, right = int(region.left * width), max(int(region.right * width), 1)
    return np.ascontiguousarray(pixels[top:bottom, left:right])


async def _text_if_quick(vest: Vest, reading: asyncio.Task[OcrResult]) -> str:
    """The text in view if reading it finishes within describe_ocr_wait_s, else ""."""
    try:
        result = await wait_within(
            asyncio.shield(reading), vest.settings.vision.describe_ocr_wait_s
        )
    except TimeoutError:
        reading.cancel()  # do not let tesseract compete with the model for the CPU
        _LOGGER.info("Describing without text: reading took too long")
        return ""
    except Exception as err:  # noqa: BLE001 -- text is a bonus: describe without it
        _LOGGER.warning("Describing without text: %r", err)
        return ""
    return result.text[:PROMPT_TEXT_CHARS]


def _note_failure(task: asyncio.Task[OcrResult]) -> None:
    """Retrieve a reading failure nobody waited for (describe may finish first)."""
    if not task.cancelled() and (error := task.exception()) is not None:
        _LOGGER.debug("Text reading for a description failed: %r", error)


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
    phrases: Phrases,
    facts: FrameFacts,
    found: list[str],
    text: str,
    verbosity: str = "normal",
    *,
    image: bool = False,
) -> list[dict[str, str]]:
    """The chat for a description. With `image` the model sees the frame and is given the fast
    path's findings beside it; without, it is given only what was measured and detected."""
    none = phrases.prompt("none")
    values = {
        "findings": " ".join(found) or none,
        "text": " ".join(text.split()) or none,
        "length": phrases.word("lengths", verbosity),
    }
    if image:
        user = phrases.prompt("describe_image", **values)
    else:
        user = phrases.prompt("describe", facts=facts.as_prompt_text(), **values)
    return [
        {"role": "system", "content": phrases.prompt("system")},
        {"role": "user", "content": user},
    ]


def llm_unavailable(vest: Vest) -> str:
    if vest.llm.state is LlmState.FAILED:
        failure = vest.llm.failure
        reason = vest.phrases.spoken(failure) if failure else vest.llm.failure_reason
        return vest.phrases.say("llm_failed", reason=reason)
    if vest.llm.state is LlmState.OFF:
        return vest.phrases.say("llm_off")
    if vest.llm.retrying == OUT_OF_MEMORY:
        return vest.phrases.say("llm_needs_memory")
    return vest.phrases.say("llm_not_ready")
