"""Find a kind of thing, with haptic guidance: pulses quicken as it comes to 12 o'clock.

The menu offers what the wearer has remembered (most recent first), people, then what the
object detector can name; with a single choice the search starts at once. Two tasks share the
state of the search: the loop that looks at frame after frame (and says "Found it.", the
direction, "straight ahead" with the distance, "Lost cup."), and the pulse rhythm, which keeps
time on its own so the pulses stay even however long a frame takes to look at. Directions and
distances are those "what's ahead" gives for the same frame (`vision.spatial.findings`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

from ..errors import VisionError
from ..vision.phrasing import capitalised, distance_words, thing_name, where_words
from ..vision.service import FrameSuperseded
from ..vision.spatial import Finding, findings
from .looking import missing_sentences
from .vest import Vest

FIND_SECONDS = 60.0
CENTRED = 0.07
"""Within this much of the frame's middle (either way) the thing is straight ahead."""
LOST_AFTER_S = 2.0
NOT_YET_S = 4.0
"""Not seen this long after the search starts: "Not in view yet; turn slowly." (once)."""
RETRY_S = 0.3
"""After a frame vision could not look at, the next try waits this long."""
COMMON = (
    "chair", "dining table", "couch", "bed", "toilet", "sink", "refrigerator", "tv", "laptop",
    "cup", "bottle", "bowl", "book", "cell phone", "backpack", "handbag", "suitcase", "bench",
    "car", "bicycle", "bus", "dog", "cat", "remote", "keyboard", "clock", "potted plant",
)  # fmt: skip
"""Offered first after people (COCO classes; COCO has no doors), then the detector's others."""
NOT_FOUND = frozenset({"face", "hand"})


def pulse_period(offset: float) -> float:
    """Seconds between guidance pulses: 0.15 s near the middle, 1 s at the frame's edge."""
    return 0.15 + 1.7 * min(0.5, abs(offset))


async def find_choices(vest: Vest) -> list[str]:
    """What can be found: remembered things first, people, then what the detectors name."""
    labels = vest.vision.labels
    findable = {"person"} if labels & {"person", "face"} else set()
    findable |= labels - NOT_FOUND
    remembered = await memory.things() if (memory := vest.usable_memory) is not None else []
    order = [*remembered, "person", *COMMON, *sorted(labels)]
    return [label for label in dict.fromkeys(order) if label in findable]


async def find(vest: Vest) -> None:
    choices = await find_choices(vest)
    if not choices:
        vest.speaker.say(vest.phrases.word("ahead", "unavailable"), source="find")
        return
    if len(choices) == 1:
        target: str | None = choices[0]
    else:
        spoken = [thing_name(c, 1, vest.phrases) for c in choices]
        target = await vest.choose(vest.phrases.say("find_what"), choices, spoken)
    if target is None:
        return
    name = thing_name(target, 1, vest.phrases)
    vest.speaker.say(vest.phrases.say("find_looking", thing=name), source="find")
    await guide(vest, target, name)


@dataclass
class _Search:
    offset: float | None = None
    """Where the thing is across the frame (-0.5 left edge .. 0.5 right edge); None: not seen."""
    centred: bool = False
    off_centre: asyncio.Event = field(default_factory=asyncio.Event)
    """Set whenever a frame shows the thing off-centre: the pulses (re)start."""


async def guide(vest: Vest, target: str, name: str) -> None:
    search = _Search()
    rhythm = asyncio.create_task(_pulses(vest, search), name="find-pulses")
    try:
        await _look_for(vest, target, name, search)
    finally:
        rhythm.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await rhythm
    vest.speaker.say(vest.phrases.say("find_stopped", thing=name), source="find")


async def _pulses(vest: Vest, search: _Search) -> None:
    """A tick every `pulse_period` while the thing is seen off-centre, on a steady clock."""
    while True:
        offset = search.offset
        if offset is None or search.centred:
            search.off_centre.clear()
            await search.off_centre.wait()
            continue
        vest.haptics.play("tick")
        await asyncio.sleep(pulse_period(offset))


async def _look_for(vest: Vest, target: str, name: str, search: _Search) -> None:
    phrases, vision = vest.phrases, vest.vision
    wanted = vision.detectors_for({"person", "face"} if target == "person" else {target})
    started = last_seen = time.monotonic()
    said_hour: int | None = None
    told: set[str] = set()
    while time.monotonic() - started < FIND_SECONDS:
        frame = await vest.camera.capture()
        try:
            scene = await vision.analyse(
                frame, wanted, timeout_s=vest.settings.vision.detector_timeout_s
            )
        except FrameSuperseded:
            continue
        except VisionError as err:
            _tell_once(vest, told, phrases.spoken(err))
            await asyncio.sleep(RETRY_S)
            continue
        for sentence in missing_sentences(scene, phrases):
            _tell_once(vest, told, sentence)
        camera = vest.settings.camera
        best = _best(findings(scene, camera.hfov_deg, camera.vfov_deg), target)
        now = time.monotonic()
        if best is None:  # the pulses keep their beat until the thing is lost
            if said_hour is not None and now - last_seen > LOST_AFTER_S:
                vest.speaker.say(phrases.say("find_lost", thing=name), source="find")
                said_hour, search.offset, search.centred = None, None, False
            elif said_hour is None and now - started > NOT_YET_S:
                _tell_once(vest, told, phrases.say("find_not_yet"))
            continue
        last_seen = now
        if said_hour is None:
            vest.speaker.say(phrases.say("find_found"), source="find")
        search.offset = best.x - 0.5
        distance = distance_words(best.distance_m, phrases)
        if abs(search.offset) <= CENTRED:
            if not search.centred:
                vest.haptics.play("centred")
                where = phrases.say("find_ahead", thing=name)
                said = f"{where[:-1]}, {distance}." if distance else where
                vest.speaker.say(said, source="find")
            search.centred, said_hour = True, 12
            continue
        search.centred = False
        search.off_centre.set()
        if best.clock != said_hour:
            first = said_hour is None
            said_hour = best.clock
            where = where_words(name, best.clock, phrases)
            sentence = f"{where}, {distance}." if first and distance else f"{where}."
            vest.speaker.say(capitalised(sentence), source="find")


def _best(items: list[Finding], target: str) -> Finding | None:
    """The nearest of the target's findings (the most central when distances are unknown)."""
    matches = [f for f in items if f.label == target]
    return min(
        matches,
        key=lambda f: (f.distance_m if f.distance_m is not None else 99.0, abs(f.x - 0.5)),
        default=None,
    )


def _tell_once(vest: Vest, told: set[str], sentence: str) -> None:
    if sentence and sentence not in told:
        told.add(sentence)
        vest.speaker.say(sentence, source="find")
