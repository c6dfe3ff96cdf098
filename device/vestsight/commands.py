"""What the wearer can ask for: commands are a table of names to coroutines, not a chain of ifs.

Each command gets the `Vest` (every part, passed explicitly) and runs as its own task; the
controller cancels it when another button is pressed. Failures a wearer should know about are
raised as `VestsightError`s and spoken by the controller.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from .camera import CameraService
from .gpio.haptics import HapticMotor
from .journal import Journal
from .llm.client import LlmClient, LlmState
from .names import COMMAND_NAMES
from .phrases import Phrases
from .settings import Settings
from .speech.sentences import SentenceSplitter
from .speech.speaker import Speaker
from .vision.frame_facts import FrameFacts, measure_frame

_LOGGER = logging.getLogger(__name__)

RATE_STEP = 25
MAX_REPEATED_SENTENCES = 2


@dataclass
class Vest:
    """Every part a command may use, wired once by the app."""

    settings: Settings
    phrases: Phrases
    journal: Journal
    speaker: Speaker
    haptics: HapticMotor
    camera: CameraService
    llm: LlmClient
    last_answer: list[str] = field(default_factory=list)
    """The sentences of the last description, for "repeat"."""


CommandFunction = Callable[[Vest], Awaitable[None]]


async def describe(vest: Vest) -> None:
    frame = await vest.camera.capture()
    facts = await asyncio.to_thread(measure_frame, frame)
    vest.journal.publish("describe.facts", frame=frame.source, facts=facts.as_prompt_text())
    first = scene_sentence(vest.phrases, facts)
    vest.speaker.say(first, source="fast")
    answer = [first]
    vest.last_answer = answer
    if vest.llm.state is not LlmState.READY:
        vest.speaker.say(llm_unavailable(vest), source="command")
        return
    vest.haptics.follow("thinking")
    try:
        await speak_answer(vest, describe_messages(vest.phrases, facts), answer)
    finally:
        vest.haptics.stop("thinking")


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


def describe_messages(phrases: Phrases, facts: FrameFacts) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": phrases.prompt("system")},
        {"role": "user", "content": phrases.prompt("describe", facts=facts.as_prompt_text())},
    ]


def llm_unavailable(vest: Vest) -> str:
    if vest.llm.state is LlmState.FAILED:
        return vest.phrases.say("llm_failed", reason=vest.llm.failure_reason)
    if vest.llm.state is LlmState.OFF:
        return vest.phrases.say("llm_off")
    return vest.phrases.say("llm_not_ready")


async def stop(vest: Vest) -> None:
    """Everything was already silenced and cancelled by the press itself."""


async def repeat(vest: Vest) -> None:
    if not vest.last_answer:
        vest.speaker.say(vest.phrases.say("nothing_to_repeat"), source="command")
        return
    for sentence in vest.last_answer:
        vest.speaker.say(sentence, source="repeat")


async def help_(vest: Vest) -> None:
    phrases = vest.phrases
    vest.speaker.say(phrases.say("help_intro"), source="command")
    maps = (vest.settings.buttons.gamepad, vest.settings.buttons.gpio)
    for button_map in maps:
        for button, command in button_map.items():
            vest.speaker.say(
                phrases.say(
                    "help_item",
                    button=phrases.word("buttons", button),
                    command=phrases.word("commands", command),
                ),
                source="command",
            )


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


COMMANDS: dict[str, CommandFunction] = {
    "describe": describe,
    "stop": stop,
    "repeat": repeat,
    "help": help_,
    "status": status,
    "faster": faster,
    "slower": slower,
}
assert tuple(COMMANDS) == COMMAND_NAMES, "names.COMMAND_NAMES and COMMANDS must agree"
