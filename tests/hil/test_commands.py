"""Every command, from the gamepad and from the vest's buttons: felt at once, then heard.

For each button of the default maps (short and long presses): the press arrives from the right
source, the acknowledgement buzz is on the motor line, the mapped command starts and something
is heard (except for stop, whose work is silence). Latencies press → haptic and press → first
audio go to the report. The vest is silenced between commands.
"""

from __future__ import annotations

import time

import pytest

from tests.conftest import TIMEOUT, event
from tests.hil.observe import SANITY_S, note, observe
from tests.hil.report import ScenarioRecord
from tests.hil.target import VestTarget
from vestsight.settings import ButtonMapSettings

pytestmark = [pytest.mark.hil, pytest.mark.model, pytest.mark.asyncio(loop_scope="package")]

MAPS = ButtonMapSettings()
MODEL_FIRST = frozenset({"what_is_this", "tell_more"})
"""Commands whose first words may be the model's (nothing found at once): felt as the thinking
rhythm meanwhile, heard within the model's time rather than the fast path's."""
MODEL_S = 60.0
CASES = [
    *[("gamepad", b, False, c) for b, c in MAPS.gamepad.items()],
    *[("gamepad", b, True, c) for b, c in MAPS.gamepad_hold.items()],
    *[("gpio", b, False, c) for b, c in MAPS.gpio.items()],
    *[("gpio", b, True, c) for b, c in MAPS.gpio_hold.items()],
]


@pytest.mark.parametrize(
    ("source", "button", "held", "command"),
    CASES,
    ids=[f"{s}-{b}{'-held' if h else ''}-{c}" for s, b, h, c in CASES],
)
async def test_a_command_is_felt_then_heard(
    target: VestTarget,
    scenario: ScenarioRecord,
    source: str,
    button: str,
    held: bool,
    command: str,
) -> None:
    await target.quiet()
    client = target.client
    pressed = await (target.hold if held else target.tap)(button, source)
    press = await client.expect(event("input", button=button, action="press"), pressed)
    assert press["source"] == source
    ack = await client.expect(event("haptic", pattern="ack"), pressed)
    assert ack["felt"]
    await client.expect(event("command.start", command=command), pressed)
    if command == "stop":
        await client.expect(event("command.done", command="stop"), pressed)
    else:  # the first sentence is heard to its end: its whole sound is on the line
        within = MODEL_S if command in MODEL_FIRST else TIMEOUT
        first = await client.expect(event("speech.start"), pressed, within)
        await client.expect(event("speech.end", id=first["id"]), pressed)
    # The buzz has ended (or given way to the next pattern) before the motor line is read.
    await client.expect(
        lambda r: r["event"] in ("haptic", "haptic.end") and r["mono"] > ack["mono"], pressed
    )
    until = time.monotonic()
    await target.quiet()
    seen = await observe(target, pressed, until)
    note(scenario, seen, "press, model answers" if command in MODEL_FIRST else "press")

    assert seen.felt[0] == "ack" and seen.felt_as("ack"), seen.pulses
    to_haptic = seen.to_haptic()
    assert to_haptic is not None and to_haptic < SANITY_S
    if command != "stop":
        assert seen.first("speech.start") is not None
        to_audio = seen.to_audio()
        bound = MODEL_S if command in MODEL_FIRST else SANITY_S
        assert to_audio is not None and to_audio < bound, seen.sounds
        assert seen.sounds[0].rms_dbfs > -45
