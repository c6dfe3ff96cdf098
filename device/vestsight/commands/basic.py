"""Commands that need no camera: stop, repeat, help, status."""

from __future__ import annotations

import asyncio
import time

from ..battery.base import BatteryStatus
from ..battery.estimate import time_left_words
from ..phrases import Phrases
from ..system_status import read_status
from .vest import Vest


async def stop(vest: Vest) -> None:
    """Everything was already silenced and cancelled by the press itself."""


async def repeat(vest: Vest) -> None:
    if not vest.session.last_answer:
        vest.speaker.say(vest.phrases.say("nothing_to_repeat"), source="command")
        return
    vest.say_all(vest.session.last_answer, "repeat")


async def help_(vest: Vest) -> None:
    phrases = vest.phrases
    buttons = vest.settings.buttons
    lines = [phrases.say("help_intro")]
    maps = [(buttons.gpio, "help_item"), (buttons.gpio_hold, "help_held_item")]
    maps.append((buttons.gpio_double, "help_double_item"))
    if vest.settings.gamepad.backend != "none":  # the pad's buttons first: it is in the hand
        maps[:0] = [
            (buttons.gamepad, "help_item"),
            (buttons.gamepad_hold, "help_held_item"),
            (buttons.gamepad_double, "help_double_item"),
        ]
    for button_map, key in maps:
        for button, command in button_map.items():
            lines.append(
                phrases.say(
                    key,
                    button=phrases.word("buttons", button),
                    command=phrases.word("commands", command),
                )
            )
    talk = [buttons.gpio_talk]  # push to talk (asking by voice): held, not a command
    if vest.settings.gamepad.backend != "none":
        talk.insert(0, buttons.gamepad_talk)
    lines += [
        phrases.say("help_talk_item", button=phrases.word("buttons", button))
        for button in talk
        if button and vest.settings.stt.enabled
    ]
    vest.session.last_answer = lines
    vest.say_all(lines, "command")


async def status(vest: Vest) -> None:
    phrases = vest.phrases
    parts = [phrases.say("status_time", time=time.strftime("%H:%M"))]
    system = await asyncio.to_thread(read_status)
    battery = vest.battery()
    if battery is not None:
        parts.append(battery_sentence(phrases, battery))
    if system.cpu_celsius is not None:
        parts.append(phrases.say("status_temperature", degrees=round(system.cpu_celsius)))
    reasons = [
        phrases.word("throttling", name)
        for name, active in (("under_voltage", system.under_voltage), ("heat", system.throttled))
        if active
    ]
    if reasons:
        parts.append(phrases.say("status_throttled", reason=phrases.join(reasons)))
    broken = [name for name, ready in vest.parts_ready().items() if not ready]
    if broken:
        names = phrases.join(phrases.word("services", name) for name in broken)
        parts.append(phrases.say("status_broken", parts=names))
    else:
        parts.append(phrases.say("status_working"))
    pad = vest.gamepad()
    if pad is not None and not pad.connected:
        parts.append(phrases.say("status_no_controller"))
    elif pad is not None and pad.battery_percent is not None:
        parts.append(phrases.say("status_controller_battery", percent=pad.battery_percent))
    elif pad is not None:
        parts.append(phrases.say("status_controller"))
    llm_state = phrases.word("llm_states", vest.llm.state.value)
    parts.append(phrases.say("status_llm", llm_state=llm_state))
    vest.session.last_answer = parts
    vest.say_all(parts, "command")


def battery_sentence(phrases: Phrases, battery: BatteryStatus) -> str:
    """Like "Battery 40 percent, about 2 hours.", "... charging." or "Battery level unknown."."""
    percent = battery.percent
    if percent is None:
        return phrases.say("status_battery_unknown")
    if battery.plugged:
        key = "status_battery_full" if percent >= 100 else "status_charging"
        return phrases.say(key, percent=percent)
    if battery.seconds_left is not None:
        left = time_left_words(phrases, battery.seconds_left)
        return phrases.say("status_battery_left", percent=percent, left=left)
    return phrases.say("status_battery", percent=percent)
