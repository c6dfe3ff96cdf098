"""Commands that need no camera: stop, repeat, help, status, faster, slower."""

from __future__ import annotations

import time

from .vest import Vest

RATE_STEP = 25


async def stop(vest: Vest) -> None:
    """Everything was already silenced and cancelled by the press itself."""


async def repeat(vest: Vest) -> None:
    if not vest.last_answer:
        vest.speaker.say(vest.phrases.say("nothing_to_repeat"), source="command")
        return
    vest.say_all(vest.last_answer, "repeat")


async def help_(vest: Vest) -> None:
    phrases = vest.phrases
    vest.speaker.say(phrases.say("help_intro"), source="command")
    for button_map in (vest.settings.buttons.gamepad, vest.settings.buttons.gpio):
        for button, command in button_map.items():
            item = phrases.say(
                "help_item",
                button=phrases.word("buttons", button),
                command=phrases.word("commands", command),
            )
            vest.speaker.say(item, source="command")


async def status(vest: Vest) -> None:
    llm_state = vest.phrases.word("llm_states", vest.llm.state.value)
    now = time.strftime("%H:%M")
    vest.speaker.say(vest.phrases.say("status", time=now, llm_state=llm_state), source="command")


async def faster(vest: Vest) -> None:
    _change_rate(vest, RATE_STEP)


async def slower(vest: Vest) -> None:
    _change_rate(vest, -RATE_STEP)


def _change_rate(vest: Vest, step: int) -> None:
    rate = vest.speaker.set_rate(vest.speaker.voice.rate + step)
    vest.speaker.say(vest.phrases.say("rate", rate=rate), source="command")
