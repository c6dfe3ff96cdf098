"""Find a kind of thing, with haptic guidance: pulses quicken as it comes to 12 o'clock."""

from __future__ import annotations

import asyncio
import time

from ..vision.detections import Detection
from ..vision.phrasing import distance_words, thing_name
from ..vision.spatial import clock_hour, estimate_distance
from .vest import Vest

FIND_SECONDS = 60.0
CENTRED = 0.07
"""Within this much of the frame's middle (either way) the thing is straight ahead."""
LOST_AFTER_S = 2.0
FINDABLE = (
    "person", "chair", "dining table", "couch", "bed", "toilet", "sink", "refrigerator", "tv",
    "laptop", "cup", "bottle", "bowl", "book", "cell phone", "backpack", "handbag", "suitcase",
    "bench", "car", "bicycle", "bus", "dog", "cat",
)  # fmt: skip
"""What "find" offers (COCO classes; COCO has no doors). People work without the object model."""


def pulse_period(offset: float) -> float:
    """Seconds between guidance pulses: 0.15 s near the middle, 1 s at the frame's edge."""
    return 0.15 + 1.7 * min(0.5, abs(offset))


async def find(vest: Vest) -> None:
    choices = [c for c in FINDABLE if c == "person" or "objects" in vest.vision.detector_names]
    spoken = [thing_name(c, 1, vest.phrases) for c in choices]
    target = await vest.choose(vest.phrases.say("find_what"), choices, spoken)
    if target is None:
        return
    name = thing_name(target, 1, vest.phrases)
    vest.speaker.say(vest.phrases.say("find_looking", thing=name), source="find")
    await guide(vest, target, name)


async def guide(vest: Vest, target: str, name: str) -> None:
    camera = vest.settings.camera
    started = last_seen = time.monotonic()
    said_hour: int | None = None
    centred = False
    next_pulse = 0.0
    while time.monotonic() - started < FIND_SECONDS:
        frame = await vest.camera.capture()
        scene = await vest.vision.analyse(frame)
        best = _biggest(scene.detections, target)
        now = time.monotonic()
        if best is None:
            if said_hour is not None and now - last_seen > LOST_AFTER_S:
                vest.speaker.say(vest.phrases.say("find_lost", thing=name), source="find")
                said_hour, centred = None, False
            await asyncio.sleep(0)
            continue
        last_seen = now
        offset = best.box.centre_x - 0.5
        hour = clock_hour(best.box.centre_x, camera.hfov_deg)
        if abs(offset) <= CENTRED:
            if not centred:
                vest.haptics.play("centred")
                metres = estimate_distance(best.box, best.label, camera.hfov_deg, camera.vfov_deg)
                where = vest.phrases.say("find_ahead", thing=name)
                distance = distance_words(metres, vest.phrases)
                vest.speaker.say(f"{where[:-1]}, {distance}." if distance else where, source="find")
            centred, said_hour = True, 12
            continue
        centred = False
        if hour != said_hour:
            said_hour = hour
            where = vest.phrases.word("ahead", "item").format(
                what=name, hour=hour,
                hour_word=vest.phrases.plural(hour, vest.phrases.word("ahead", "hour_word")),
            )  # fmt: skip
            vest.speaker.say(where[0].upper() + where[1:] + ".", source="find")
        if now >= next_pulse:
            vest.haptics.play("tick")
            next_pulse = now + pulse_period(offset)
    vest.speaker.say(vest.phrases.say("find_stopped", thing=name), source="find")


def _biggest(detections: tuple[Detection, ...], target: str) -> Detection | None:
    labels = {"person", "face"} if target == "person" else {target}
    matches = [d for d in detections if d.label in labels]
    return max(matches, key=lambda d: d.box.area, default=None)
