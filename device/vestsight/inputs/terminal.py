"""Keyboard as a gamepad, for `make run`: each key taps one of the gamepad's buttons.

Only used when stdin is an interactive terminal. The terminal is put in cbreak mode (keys arrive
without Enter) and restored on exit. ``q`` asks the vest to stop. With the simulated gamepad
(`gamepad.backend = "simulated"`) the keys press that pad, so its feedback path is the vest's;
otherwise they go straight into the input queue.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable

from ..inputs.events import Action, InputEvent, InputQueue, Source
from ..supervisor import Service

_LOGGER = logging.getLogger(__name__)

KEYS: dict[str, str] = {
    "a": "a",
    "b": "b",
    "x": "x",
    "y": "y",
    "l": "l",
    "r": "r",
    "1": "l2",
    "2": "r2",
    "\n": "start",
    " ": "select",
    "\x1b[A": "up",
    "\x1b[B": "down",
    "\x1b[C": "right",
    "\x1b[D": "left",
}
"""Key (or escape sequence) -> gamepad button."""

QUIT_KEYS = frozenset({"q", "\x04"})
HOLD_NEXT_KEY = "h"
"""Makes the next key a long press (for keys Shift cannot change: Enter, Space, arrows)."""


def key_help(button_map: dict[str, str]) -> str:
    names = {"\n": "Enter", " ": "Space", "\x1b[A": "Up", "\x1b[B": "Down",
             "\x1b[C": "Right", "\x1b[D": "Left"}  # fmt: skip
    parts = []
    for key, button in KEYS.items():
        command = button_map.get(button)
        if command:
            parts.append(f"{names.get(key, key)}={command}")
    return "Keys: " + ", ".join(parts) + "; Shift+key or h then key = long press; q=quit"


def split_keys(data: str) -> list[str]:
    """Split terminal input into keys, keeping arrow-key escape sequences whole."""
    keys: list[str] = []
    index = 0
    while index < len(data):
        if data.startswith("\x1b[", index) and index + 2 < len(data):
            keys.append(data[index : index + 3])
            index += 3
        else:
            keys.append(data[index])
            index += 1
    return keys


class TerminalInput(Service):
    name = "terminal"

    def __init__(
        self,
        inputs: InputQueue,
        on_quit: Callable[[], None],
        hold_s: float = 1.0,
        pad: Callable[[str, bool], None] | None = None,
    ) -> None:
        super().__init__()
        self._inputs = inputs
        self._press = pad or self._submit
        self._on_quit = on_quit
        self._hold_s = hold_s
        self._hold_next = False

    async def run(self) -> None:
        import termios
        import tty

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
        tty.setcbreak(fd)
        loop = asyncio.get_running_loop()
        data: asyncio.Queue[str] = asyncio.Queue(64)

        def readable() -> None:
            chunk = os.read(fd, 64).decode("utf-8", "replace")
            try:
                data.put_nowait(chunk)
            except asyncio.QueueFull:
                _LOGGER.warning("Keys arrive faster than the vest reads them; dropped %r", chunk)

        loop.add_reader(fd, readable)
        self.ready.set()
        try:
            while True:
                chunk = await data.get()
                if not chunk:
                    return  # stdin closed
                for key in split_keys(chunk):
                    self._key(key)
        finally:
            loop.remove_reader(fd)
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)

    def _key(self, key: str) -> None:
        if key in QUIT_KEYS:
            self._on_quit()
            return
        if key == HOLD_NEXT_KEY:
            self._hold_next = True
            return
        button = KEYS.get(key.lower() if len(key) == 1 else key)
        if button is None:
            _LOGGER.info("Key %r is not mapped to a button", key)
            return
        self._press(button, True)
        held, self._hold_next = self._hold_next or (len(key) == 1 and key.isupper()), False
        if held:  # Shift + key, or h then the key: a long press
            asyncio.get_running_loop().call_later(self._hold_s, self._press, button, False)
        else:
            self._press(button, False)

    def _submit(self, button: str, pressed: bool) -> None:
        action = Action.PRESS if pressed else Action.RELEASE
        self._inputs.submit(InputEvent(Source.GAMEPAD, button, action, origin="terminal"))
