"""Spoken-interface preferences: speed, loudness, detail, language; kept across restarts."""

from __future__ import annotations

import logging

from ..errors import MemoryStoreError
from ..names import LANGUAGES, VERBOSITY_LEVELS
from ..phrases import Phrases
from ..vision import ocr_languages_for
from .vest import Vest

_LOGGER = logging.getLogger(__name__)

RATE_STEP = 25
VOLUME_STEP = 20


async def save_pref(vest: Vest, key: str, value: str) -> None:
    """Keep a preference in the memory database; one that cannot be saved is said.

    A full disk is said once by the app ("storage full"); the store keeps the preference and
    writes it with its next write, so it is lost only if the vest is switched off first.
    """
    if (memory := vest.usable_memory) is None:
        return
    try:
        await memory.set_setting(f"pref.{key}", value)
    except MemoryStoreError as err:
        _LOGGER.warning("Preference %s not saved: %s", key, err)
        vest.journal.publish("prefs.not_saved", key=key, error=str(err))
        storage = ("storage_full", "storage_unwritable")  # being said: that says it
        if not any(vest.speaker.is_pending(vest.phrases.say(key)) for key in storage):
            vest.speaker.say(vest.phrases.say("pref_not_saved"), source="command")


async def load_prefs(vest: Vest) -> None:
    """Apply preferences saved by earlier runs (the config gives the defaults)."""
    if (memory := vest.usable_memory) is None:
        return
    get = memory.get_setting
    if (rate := await get("pref.rate")) is not None and rate.isdigit():
        vest.speaker.set_rate(int(rate))
    if (volume := await get("pref.volume")) is not None and volume.isdigit():
        vest.speaker.set_volume(int(volume))
    if (verbosity := await get("pref.verbosity")) in VERBOSITY_LEVELS:
        vest.session.prefs.verbosity = str(verbosity)
    if (place := await get("pref.place")) is not None:
        vest.session.prefs.place = place
    if (language := await get("pref.language")) in LANGUAGES and language != vest.phrases.language:
        switch_language(vest, str(language))


async def faster(vest: Vest) -> None:
    await _change_rate(vest, RATE_STEP)


async def slower(vest: Vest) -> None:
    await _change_rate(vest, -RATE_STEP)


async def _change_rate(vest: Vest, step: int) -> None:
    rate = vest.speaker.set_rate(vest.speaker.voice.rate + step)
    vest.speaker.say(vest.phrases.say("rate", rate=rate), source="command")
    await save_pref(vest, "rate", str(rate))


async def louder(vest: Vest) -> None:
    await _change_volume(vest, VOLUME_STEP)


async def quieter(vest: Vest) -> None:
    await _change_volume(vest, -VOLUME_STEP)


async def _change_volume(vest: Vest, step: int) -> None:
    volume = vest.speaker.set_volume(vest.speaker.voice.volume + step)
    vest.speaker.say(vest.phrases.say("volume", volume=volume), source="command")
    await save_pref(vest, "volume", str(volume))


async def verbosity(vest: Vest) -> None:
    levels = VERBOSITY_LEVELS
    level = levels[(levels.index(vest.session.prefs.verbosity) + 1) % len(levels)]
    vest.session.prefs.verbosity = level
    spoken = vest.phrases.say("verbosity", level=vest.phrases.word("verbosity", level))
    vest.speaker.say(spoken, source="command")
    await save_pref(vest, "verbosity", level)


async def language(vest: Vest) -> None:
    names = [Phrases(code).say("language_set").rstrip(".") for code in LANGUAGES]
    picked = await vest.choose(vest.phrases.word("commands", "language"), list(LANGUAGES), names)
    if picked is None:
        return
    switch_language(vest, picked)
    vest.speaker.say(vest.phrases.say("language_set"), source="command")
    await save_pref(vest, "language", picked)


def switch_language(vest: Vest, code: str) -> None:
    """The one place a language changes: phrases, voice, the model's system prompt (prefilled
    again), the order OCR tries its languages in; `status` reads it from the phrases."""
    vest.phrases.switch(code)
    if not vest.settings.speech.voice:  # a configured voice stays; otherwise the language's
        vest.speaker.set_voice(vest.phrases.voice)
    vest.llm.set_system_prompt(vest.phrases.prompt("system"))
    vest.ocr.languages = ocr_languages_for(vest.settings.vision, code)
    vest.journal.publish("language.switched", language=code, ocr=vest.ocr.languages)
