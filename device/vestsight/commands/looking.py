"""Commands that look: what's ahead (detectors), and the text in a frame (OCR) that "read" and
"describe" use."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection

from ..camera.base import Frame
from ..errors import VisionError
from ..phrases import Phrases
from ..vision.detections import Scene
from ..vision.frame_facts import measure_frame
from ..vision.ocr import OcrResult
from ..vision.phrasing import ahead_sentences, frame_warning
from ..vision.spatial import Finding, findings
from .vest import Vest

_LOGGER = logging.getLogger(__name__)

AHEAD_DETECTORS = ("objects", "pose", "faces")
"""What's ahead never names hands (a chest camera's hands are the wearer's): no hand detector."""


async def look(vest: Vest, frame: Frame, wanted: Collection[str] | None = None) -> list[Finding]:
    """What the detectors find in `frame`, most important first; journalled."""
    _scene, items = await look_scene(vest, frame, wanted)
    return items


async def look_scene(
    vest: Vest, frame: Frame, wanted: Collection[str] | None = None
) -> tuple[Scene, list[Finding]]:
    """The detectors named in `wanted` (default: all) on `frame` (a `VisionError` is said by the
    controller, in the wearer's language)."""
    scene = await vest.vision.analyse(
        frame, wanted, timeout_s=vest.settings.vision.detector_timeout_s
    )
    camera = vest.settings.camera
    items = findings(scene, camera.hfov_deg, camera.vfov_deg)
    vest.journal.publish(
        "vision.scene",
        frame=frame.number,
        detections=[(d.label, round(d.score, 2)) for d in scene.detections],
        findings=[(f.label, f.clock, _metres(f.distance_m), f.count, f.facing) for f in items],
        timings_ms=scene.timings_ms,
        missing=[list(m) for m in scene.missing],
    )
    return scene, items


def _metres(distance: float | None) -> float | None:
    return None if distance is None else round(distance, 2)


def missing_sentences(scene: Scene, phrases: Phrases) -> list[str]:
    """ "Object detection did not answer in time." for each detector left out of `scene`."""
    keys = {"late": "vision_late", "failed": "vision_failed_part"}
    return [
        phrases.say(keys[why], what=phrases.word("detectors", name)) for name, why in scene.missing
    ]


def items_to_say(vest: Vest) -> int:
    """How many things "what's ahead" says, by the wearer's detail level."""
    normal = vest.settings.vision.max_items
    return {"brief": min(2, normal), "detailed": normal * 2}.get(
        vest.session.prefs.verbosity, normal
    )


async def ahead(vest: Vest) -> None:
    """A frame unfit to trust is said first, then what is ahead, then any detector left out."""
    frame = await vest.camera.capture()
    facts, (scene, items) = await asyncio.gather(
        asyncio.to_thread(measure_frame, frame), look_scene(vest, frame, AHEAD_DETECTORS)
    )
    warning = frame_warning(facts, vest.phrases)
    sentences = [warning] if warning else []
    if items or facts.problem != "plain":  # "a plain surface close ahead" says it already
        sentences += ahead_sentences(items, vest.phrases, items_to_say(vest))
    sentences += missing_sentences(scene, vest.phrases)
    vest.session.last_answer = sentences
    vest.say_all(sentences, "ahead")


async def read_frame_text(vest: Vest, frame: Frame) -> OcrResult:
    await asyncio.to_thread(vest.ocr.check)
    result = await vest.ocr.read(frame.pixels)
    vest.journal.publish("read.text", frame=frame.number, text=result.text, seconds=result.seconds)
    return result


async def optional_findings(vest: Vest, frame: Frame) -> list[Finding] | None:
    """Findings for a description: None (and logged) when vision cannot help right now."""
    try:
        return await look(vest, frame)
    except VisionError as err:
        _LOGGER.warning("Describing without detections: %s", err)
        return None
