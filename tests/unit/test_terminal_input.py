"""The terminal's keys (`make run`) press the simulated pad when there is one, else go straight
into the input queue; Shift makes a long press."""

from __future__ import annotations

import asyncio

from tests.conftest import TIMEOUT
from vestsight.inputs.events import Action, InputQueue, Source
from vestsight.inputs.terminal import TerminalInput


async def test_keys_press_the_simulated_pad_when_there_is_one() -> None:
    pressed: list[tuple[str, bool]] = []
    released = asyncio.Event()

    def pad(button: str, down: bool) -> None:
        pressed.append((button, down))
        if not down and button == "b":
            released.set()

    inputs = InputQueue()
    terminal = TerminalInput(inputs, lambda: None, hold_s=0.01, pad=pad)
    terminal._key("a")
    terminal._key("B")  # Shift: held, let go after the hold time
    await asyncio.wait_for(released.wait(), TIMEOUT)
    assert pressed == [("a", True), ("a", False), ("b", True), ("b", False)]
    assert inputs.room() == 64  # nothing bypassed the pad


async def test_without_a_simulated_pad_keys_go_into_the_queue() -> None:
    inputs = InputQueue()
    quit_asked: list[bool] = []
    terminal = TerminalInput(inputs, lambda: quit_asked.append(True))
    terminal._key("y")
    terminal._key("q")
    events = [await asyncio.wait_for(inputs.get(), TIMEOUT) for _ in range(2)]
    assert [(e.source, e.button, e.action, e.origin) for e in events] == [
        (Source.GAMEPAD, "y", Action.PRESS, "terminal"),
        (Source.GAMEPAD, "y", Action.RELEASE, "terminal"),
    ]
    assert quit_asked == [True]
