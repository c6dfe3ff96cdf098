"""Powering the vest off, and hearing that the system is about to: one interface, two backends.

- `LogindPower` (`battery/logind.py`, the card): systemd's login manager over D-Bus. It powers
  off with ``PowerOff``, and holds a *delay* inhibitor lock so that when anything starts a
  shutdown (the Pi 5's power button: logind handles ``KEY_POWER`` with ``HandlePowerKey``) the
  vest hears ``PrepareForShutdown`` first, says "Shutting down" and saves before letting go.
- `SimulatedPower` (development, tests): powering off journals ``power.poweroff`` and stops the
  app; the control socket's ``power_button`` plays the power button's part.

Either is a supervised service ("system-power"); `on_shutdown` is set by `vestsight.shutdown`.
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Awaitable, Callable

from ..journal import Journal
from ..supervisor import Service

_LOGGER = logging.getLogger(__name__)

ShutdownHook = Callable[[], Awaitable[None]]
"""Say it and save: awaited (within the system's delay) before the system goes down."""


async def _nothing() -> None:
    return None


class SystemPower(Service):
    name = "system-power"

    def __init__(self) -> None:
        super().__init__()
        self.on_shutdown: ShutdownHook = _nothing

    @abc.abstractmethod
    async def power_off(self) -> None:
        """Ask the system to power off; `PowerOffError` if it will not."""


class SimulatedPower(SystemPower):
    def __init__(self, journal: Journal, stop_app: Callable[[], None]) -> None:
        super().__init__()
        self._journal = journal
        self._stop_app = stop_app
        self._pressed: asyncio.Task[None] | None = None

    async def run(self) -> None:
        self.ready.set()
        await asyncio.Future()

    async def power_off(self) -> None:
        _LOGGER.warning("Simulated power-off: stopping the app")
        self._journal.publish("power.poweroff", simulated=True)
        self._stop_app()

    def press_power_button(self) -> bool:
        """The Pi's power button (simulated): the system starts shutting down. False if it
        already is."""
        if self._pressed is not None:
            return False
        self._journal.publish("power.button")
        self._pressed = asyncio.create_task(self._shut_down(), name="power-button")
        return True

    async def _shut_down(self) -> None:
        try:
            await self.on_shutdown()
        finally:
            await self.power_off()
