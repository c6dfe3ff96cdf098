"""Vest buttons as gpiozero `Button`s; their thread callbacks enter the loop in one place."""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

from gpiozero import Button, GPIOZeroError

from ..errors import GpioError, InputError
from ..inputs.events import Action, InputEvent, InputQueue, Source
from ..settings import GpioSettings
from ..supervisor import Service
from .pins import Pins, is_mock

_LOGGER = logging.getLogger(__name__)


class GpioButtons(Service):
    name = "gpio"

    def __init__(self, settings: GpioSettings, pins: Pins, inputs: InputQueue) -> None:
        super().__init__()
        self._settings = settings
        self._pins = pins
        self._inputs = inputs
        self._buttons: dict[str, Button] = {}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._settings.buttons)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        factory = self._pins.factory()
        try:
            for name, pin in self._settings.buttons.items():
                self._buttons[name] = self._make_button(loop, factory, name, pin)
            _LOGGER.info("Vest buttons ready: %s", self._settings.buttons)
            self.ready.set()
            await asyncio.Future()  # serve until cancelled
        finally:
            for button in self._buttons.values():
                button.close()
            self._buttons.clear()

    def _make_button(
        self, loop: asyncio.AbstractEventLoop, factory: Any, name: str, pin: int
    ) -> Button:
        bounce = self._settings.bounce_ms / 1000 or None
        try:
            button = Button(
                pin,
                pull_up=True,
                bounce_time=bounce,
                hold_time=self._settings.hold_ms / 1000,
                pin_factory=factory,
            )
        except (GPIOZeroError, OSError, ValueError) as err:
            raise GpioError(
                f"cannot use GPIO{pin} for button {name}: {err}",
                advice="check [gpio].buttons against hardware/pins.toml",
            ) from err
        for attribute, action in (
            ("when_pressed", Action.PRESS),
            ("when_released", Action.RELEASE),
            ("when_held", Action.HOLD),
        ):
            # gpiozero calls these from its own threads: hop onto the loop, the one way in.
            callback = functools.partial(self._from_thread, loop, name, action)
            setattr(button, attribute, callback)
        return button

    def _from_thread(self, loop: asyncio.AbstractEventLoop, name: str, action: Action) -> None:
        event = InputEvent(Source.GPIO, name, action, origin="gpiozero")
        loop.call_soon_threadsafe(self._inputs.submit, event)

    def simulate(self, name: str, pressed: bool) -> None:
        """Drive a mock pin as a finger would (development and tests only)."""
        if not is_mock(self._pins.factory()):
            raise InputError("vest buttons can only be simulated with gpio.backend = mock")
        button = self._buttons.get(name)
        if button is None:
            raise InputError(f"no vest button named {name!r}", advice=f"known: {self.names}")
        if pressed:
            button.pin.drive_low()
        else:
            button.pin.drive_high()
