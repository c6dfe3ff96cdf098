"""Input events: every control source (GPIO, gamepad, terminal, control socket) produces these."""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..errors import VestsightError

_LOGGER = logging.getLogger(__name__)


class Action(enum.StrEnum):
    PRESS = "press"
    RELEASE = "release"
    HOLD = "hold"
    """The button has been held down for gpio.hold_ms (a long press)."""


class Source(enum.StrEnum):
    GAMEPAD = "gamepad"
    GPIO = "gpio"


@dataclass(frozen=True)
class InputEvent:
    source: Source
    button: str
    action: Action
    origin: str
    """What produced it: ``gpiozero``, ``terminal``, ``socket``..."""
    at: float = field(default_factory=time.monotonic)


class InputQueue:
    """A bounded queue of input events; when full, the newest press is refused and logged."""

    def __init__(self, size: int = 64) -> None:
        self._queue: asyncio.Queue[InputEvent] = asyncio.Queue(size)

    def submit(self, event: InputEvent) -> bool:
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            _LOGGER.error(
                "Input queue full, dropped %s %s %s", event.source, event.button, event.action
            )
            return False
        return True

    async def get(self) -> InputEvent:
        return await self._queue.get()

    def room(self) -> int:
        """How many more events the queue takes now."""
        return self._queue.maxsize - self._queue.qsize()


@dataclass(frozen=True)
class PadCallbacks:
    """What a gamepad service (evdev or BLE) tells the app; each is called on the event loop."""

    submit: Callable[[str, bool], object]
    """A vest button went down (True) or up (False)."""
    connected: Callable[[str], object] = lambda name: None
    disconnected: Callable[[str], object] = lambda name: None
    refused: Callable[[str, str], object] = lambda name, address: None
    """A pad with a matching name but an address not on the allow-list (once per address)."""
    missing: Callable[[], object] = lambda: None
    """The first search found no pad (once per start)."""
    unusable: Callable[[str, VestsightError], object] = lambda name, error: None
    """A pad was found but cannot be used (once, until a pad connects)."""
    battery: Callable[[int], object] = lambda percent: None


LOW_PAD_BATTERY_PERCENT = 15
"""A pad's battery at or below this is low: told when it crosses the line, and said."""


def check_pad_search(
    kind: str, names: Sequence[str], addresses: Iterable[str], backoff: Sequence[float]
) -> None:
    """What every gamepad service needs to search with; ValueError when it cannot."""
    if not names and not addresses:
        raise ValueError(f"a {kind} gamepad needs a name or an address to look for")
    if not backoff or min(backoff) <= 0:
        raise ValueError("backoff needs at least one delay, all above 0 s")


class GamepadService(Protocol):
    """What the app and "status" read from either gamepad service."""

    @property
    def connected(self) -> bool: ...

    @property
    def battery_percent(self) -> int | None:
        """The pad's battery, when it reports one and is connected."""
