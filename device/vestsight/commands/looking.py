"""Commands that look: what's ahead (detectors), read text (OCR) and continue reading."""

from __future__ import annotations

import asyncio
import logging

from ..camera.base import Frame
from ..errors import VisionError
from ..speech.reading import reading_chunks
from ..vision.detections import Scene
from ..vision.ocr import OcrResult
from ..vision.phrasing import ahead_sentences
from ..vision.spatial import Finding, findings
from .vest import Vest

_LOGGER = logging.getLogger(__name__)


async def look(vest: Vest, frame: Frame) -> list[Finding]:
    """What the detectors find in `frame`, most important first; journalled."""
    _scene, items = await look_scene(vest, frame)
    return items


async def look_scene(vest: Vest, frame: Frame) -> tuple[Scene, list[Finding]]:
    scene = await vest.vision.analyse(frame)
    camera = vest.settings.camera
    items = findings(scene, camera.hfov_deg, camera.vfov_deg)
    vest.journal.publish(
        "vision.scene",
        frame=frame.number,
        detections=[(d.label, round(d.score, 2)) for d in scene.detections],
        findings=[(f.label, f.clock, f.distance_m, f.count, f.facing) for f in items],
        timings_ms=scene.timings_ms,
    )
    return scene, items


def items_to_say(vest: Vest) -> int:
    """How many things "what's ahead" says, by the wearer's detail level."""
    normal = vest.settings.vision.max_items
    return {"brief": min(2, normal), "detailed": normal * 2}.get(vest.prefs.verbosity, normal)


async def ahead(vest: Vest) -> None:
    frame = await vest.camera.capture()
    items = await look(vest, frame)
    sentences = ahead_sentences(items, vest.phrases, items_to_say(vest))
    vest.last_answer = sentences
    vest.say_all(sentences, "ahead")


async def read_frame_text(vest: Vest, frame: Frame) -> OcrResult:
    await asyncio.to_thread(vest.ocr.check)
    result = await vest.ocr.read(frame.pixels)
    vest.journal.publish("read.text", frame=frame.number, text=result.text, seconds=result.seconds)
    return result


async def read(vest: Vest) -> None:
    frame = await vest.camera.capture()
    result = await read_frame_text(vest, frame)
    chunks = reading_chunks(
        result.text, vest.phrases.language, vest.settings.vision.read_chunk_chars
    )
    if not chunks:
        vest.reading = []
        vest.speaker.say(vest.phrases.say("no_text"), source="read")
        return
    vest.reading = chunks
    await continue_(vest)


async def continue_(vest: Vest) -> None:
    if not vest.reading:
        vest.speaker.say(vest.phrases.say("nothing_to_continue"), source="read")
        return
    chunk = vest.reading.pop(0)
    vest.last_answer = list(chunk)
    vest.say_all(chunk, "read")
    hint = "more_text" if vest.reading else "end_of_text"
    vest.speaker.say(vest.phrases.say(hint), source="read")


async def optional_findings(vest: Vest, frame: Frame) -> list[Finding] | None:
    """Findings for a description: None (and logged) when vision cannot help right now."""
    try:
        return await look(vest, frame)
    except VisionError as err:
        _LOGGER.warning("Describing without detections: %s", err)
        return None
