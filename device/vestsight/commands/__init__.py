"""What the wearer can ask for: commands are a table of names to coroutines, not a chain of ifs.

Each command gets the `Vest` (every part, passed explicitly, and the wearer's session) and runs
as its own task; the controller cancels it when another button is pressed. Failures a wearer
should know about are raised as `VestsightError`s and spoken by the controller.

Only the app (which builds the `Vest`) and the controller (which runs commands) use this
package, through the names below; no device or service module imports it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..names import COMMAND_NAMES
from .asking import ask
from .basic import help_, repeat, status, stop
from .describe import describe, tell_more, what_is_this
from .finding import find
from .looking import ahead
from .memory_cmds import forget_all, remember, set_place, where_is
from .prefs import faster, language, load_prefs, louder, quieter, slower, verbosity
from .reading import continue_, read
from .vest import Preferences, Session, Vest

CommandFunction = Callable[[Vest], Awaitable[None]]

COMMANDS: dict[str, CommandFunction] = {
    "describe": describe,
    "tell_more": tell_more,
    "ahead": ahead,
    "what_is_this": what_is_this,
    "find": find,
    "read": read,
    "continue": continue_,
    "remember": remember,
    "where_is": where_is,
    "set_place": set_place,
    "forget_all": forget_all,
    "stop": stop,
    "repeat": repeat,
    "help": help_,
    "status": status,
    "faster": faster,
    "slower": slower,
    "louder": louder,
    "quieter": quieter,
    "verbosity": verbosity,
    "language": language,
}
if tuple(COMMANDS) != COMMAND_NAMES:
    raise ImportError("names.COMMAND_NAMES and commands.COMMANDS must list the same commands")

__all__ = [
    "COMMANDS", "CommandFunction", "Preferences", "Session", "Vest", "ask", "load_prefs",
]  # fmt: skip
