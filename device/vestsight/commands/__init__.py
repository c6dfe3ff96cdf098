"""What the wearer can ask for: commands are a table of names to coroutines, not a chain of ifs.

Each command gets the `Vest` (every part, passed explicitly) and runs as its own task; the
controller cancels it when another button is pressed. Failures a wearer should know about are
raised as `VestsightError`s and spoken by the controller.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..names import COMMAND_NAMES
from .basic import faster, help_, repeat, slower, status, stop
from .describe import describe
from .looking import ahead, continue_, read
from .vest import Vest

CommandFunction = Callable[[Vest], Awaitable[None]]

COMMANDS: dict[str, CommandFunction] = {
    "describe": describe,
    "ahead": ahead,
    "read": read,
    "continue": continue_,
    "stop": stop,
    "repeat": repeat,
    "help": help_,
    "status": status,
    "faster": faster,
    "slower": slower,
}
if tuple(COMMANDS) != COMMAND_NAMES:
    raise ImportError("names.COMMAND_NAMES and commands.COMMANDS must list the same commands")

__all__ = ["COMMANDS", "CommandFunction", "Vest"]
