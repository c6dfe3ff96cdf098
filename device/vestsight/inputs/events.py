"""Input events: every control source (GPIO, gamepad, terminal, control socket) produces these."""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from dataclasses import dataclass, field

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
