"""Remember what is here, ask where something was, say where you are, forget everything."""

from __future__ import annotations

import asyncio
import time

from ..errors import MemoryStoreError
from ..memory import MemoryStore
from ..vision.frame_facts import measure_frame
from ..vision.phrasing import frame_warning, thing_name
from .looking import look
from .prefs import save_pref
from .vest import Vest

NOT_REMEMBERED = frozenset({"person", "face", "hand"})


def _store(vest: Vest) -> MemoryStore:
    if vest.memory is None:
        raise MemoryStoreError("memory is switched off", advice="set memory.enabled = true")
    if (memory := vest.usable_memory) is None:
        raise MemoryStoreError("memory could not be opened or is closed")
    return memory


async def remember(vest: Vest) -> None:
    """Remember the things the object detector names in view (never people), here and now."""
    store = _store(vest)
    if "objects" not in vest.vision.detector_names:
        vest.speaker.say(vest.phrases.say("objects_missing"), source="memory")
        return
    frame = await vest.camera.capture()
    facts, items = await asyncio.gather(
        asyncio.to_thread(measure_frame, frame), look(vest, frame, ["objects"])
    )
    if warning := frame_warning(facts, vest.phrases):
        vest.speaker.say(warning, source="memory")
    things = list(dict.fromkeys(i.label for i in items if i.label not in NOT_REMEMBERED))
    if not things:
        vest.speaker.say(vest.phrases.say("nothing_to_remember"), source="memory")
        return
    await store.remember(things, vest.session.prefs.place)
    names = vest.phrases.join(thing_name(t, 1, vest.phrases) for t in things)
    place = vest.phrases.word("in_places", vest.session.prefs.place)
    vest.speaker.say(vest.phrases.say("remembered", things=names, place=place), source="memory")


async def where_is(vest: Vest) -> None:
    store = _store(vest)
    things = await store.things()
    if not things:
        vest.speaker.say(vest.phrases.say("nothing_remembered"), source="memory")
        return
    if len(things) == 1:
        picked: str | None = things[0]  # one choice: no menu
    else:
        spoken = [thing_name(t, 1, vest.phrases) for t in things]
        picked = await vest.choose(vest.phrases.say("where_what"), things, spoken)
    if picked is None:
        return
    sighting = await store.last_seen(picked)
    name = thing_name(picked, 1, vest.phrases)
    if sighting is None:
        vest.speaker.say(vest.phrases.say("never_seen", thing=name), source="memory")
        return
    answer = vest.phrases.say(
        "where_is",
        thing=name,
        place=vest.phrases.word("in_places", sighting.place),
        ago=ago(vest, time.time() - sighting.seen_at),
    )
    vest.session.last_answer = [answer]
    vest.speaker.say(answer, source="memory")


def ago(vest: Vest, seconds: float) -> str:
    phrases = vest.phrases
    minutes = int(seconds // 60)
    if minutes < 1:
        return phrases.word("ago", "now")
    for limit, unit, size in ((60, "minute", 1), (24 * 60, "hour", 60), (None, "day", 24 * 60)):
        if limit is None or minutes < limit:
            n = max(1, minutes // size)
            forms = phrases.word("ago", unit)
            return phrases.word("ago", f"{unit}s").format(n=n, unit=phrases.plural(n, forms))
    raise AssertionError("unreachable")


async def set_place(vest: Vest) -> None:
    places = [p for p in vest.phrases.keys("places") if p != "unknown"]
    spoken = [vest.phrases.word("places", p) for p in places]
    picked = await vest.choose(vest.phrases.say("place_what"), places, spoken)
    if picked is None:
        return
    vest.session.prefs.place = picked
    place = spoken[places.index(picked)]
    vest.speaker.say(vest.phrases.say("place_set", place=place), source="memory")
    await save_pref(vest, "place", picked)


async def forget_all(vest: Vest) -> None:
    store = _store(vest)
    words = [vest.phrases.word("choices", "no"), vest.phrases.word("choices", "yes")]
    picked = await vest.choose(vest.phrases.say("forget_confirm"), ["no", "yes"], words)
    if picked != "yes":
        if picked == "no":
            vest.speaker.say(vest.phrases.say("cancelled"), source="memory")
        return
    count = await store.forget_all()
    unit = vest.phrases.plural(count, vest.phrases.word("units", "sightings"))
    vest.speaker.say(vest.phrases.say("forgotten", n=count, unit=unit), source="memory")
