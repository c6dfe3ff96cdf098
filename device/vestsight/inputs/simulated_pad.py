"""The simulated gamepad (``gamepad.backend = "simulated"``): a pad with no radio, for `make run`
and the simulated vest, that tells the app exactly what a real pad service tells.

It connects when the vest starts, reports its battery, sleeps and wakes, and every press goes
through the same `PadCallbacks` a paired 8BitDo or Xbox pad uses, so what the wearer hears and
feels about the pad (`vestsight.pad_feedback`) is the path the vest runs. A press while it
sleeps wakes it first, as a real pad wakes on a press. The terminal's keys press it; the control
socket's ``pad`` request sleeps, wakes or drains it.
"""

from __future__ import annotations

import asyncio
import logging

from ..errors import InputError
from ..names import GAMEPAD_BUTTONS
from ..supervisor import Service
from .events import PadCallbacks

_LOGGER = logging.getLogger(__name__)

FULL_BATTERY = 100


class SimulatedPad(Service):
    name = "simulated_gamepad"

    def __init__(
        self, callbacks: PadCallbacks, pad_name: str, battery_percent: int = FULL_BATTERY
    ) -> None:
        super().__init__()
        self._callbacks = callbacks
        self.pad_name = pad_name
        self._battery = battery_percent
        self._connected = False

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def battery_percent(self) -> int | None:
        return self._battery if self._connected else None

    async def run(self) -> None:
        self.wake()
        self.ready.set()
        try:
            await asyncio.Future()
        finally:
            if self._connected:
                self._connected = False  # the vest is stopping: nothing is said

    def press(self, button: str, pressed: bool) -> None:
        """The wearer presses (True) or lets go (False) `button`; a press wakes a sleeping pad."""
        if button not in GAMEPAD_BUTTONS:
            raise InputError(
                f"unknown gamepad button {button!r}", advice=f"one of {GAMEPAD_BUTTONS}"
            )
        if pressed and not self._connected:
            self.wake()
        if self._connected:
            self._callbacks.submit(button, pressed)

    def wake(self) -> None:
        """Connect (the pad was switched on or woke up)."""
        if self._connected:
            return
        self._connected = True
        _LOGGER.info("Simulated pad %r connected", self.pad_name)
        self._callbacks.connected(self.pad_name)
        self._callbacks.battery(self._battery)

    def sleep(self) -> None:
        """Disconnect (the pad went to sleep or was switched off)."""
        if not self._connected:
            return
        self._connected = False
        _LOGGER.info("Simulated pad %r disconnected", self.pad_name)
        self._callbacks.disconnected(self.pad_name)

    def set_battery(self, percent: int) -> None:
        """The pad's battery is now `percent` (0-100), reported at once while connected."""
        if not 0 <= percent <= FULL_BATTERY:
            raise InputError(f"pad battery {percent} is not a percentage", advice="0 to 100")
        self._battery = percent
        if self._connected:
            self._callbacks.battery(percent)
