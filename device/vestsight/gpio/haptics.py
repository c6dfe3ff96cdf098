"""The vibration motor: a gpiozero `PWMOutputDevice` playing named patterns.

`play()` sets the first level synchronously, so an acknowledgement starts in the same loop
iteration as the press that caused it; the rest of the pattern runs as a task. A new pattern
replaces the one playing. `thinking` repeats until `stop()` or another pattern.

`speech_broken` (three long, strong pulses) says what speech cannot: that the wearer will not
hear the vest. While an `alert` is set (the app sets it while speech is broken), every
acknowledgement of a press is felt as the alert pattern instead, so each press tells the wearer
at once.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from gpiozero import GPIOZeroError, PWMOutputDevice

from ..errors import GpioError
from ..journal import Journal
from ..settings import GpioSettings, HapticSettings
from ..supervisor import Service
from .pins import Pins

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class HapticPattern:
    name: str
    steps: tuple[tuple[float, float], ...]
    """(level 0..1, seconds) pairs; the motor is switched off after the last."""
    repeat: bool = False


PATTERNS: dict[str, HapticPattern] = {
    pattern.name: pattern
    for pattern in (
        HapticPattern("ack", ((1.0, 0.04),)),
        HapticPattern("ready", ((1.0, 0.1), (0.0, 0.1), (1.0, 0.1), (0.0, 0.1), (1.0, 0.3))),
        HapticPattern("error", ((1.0, 0.15), (0.0, 0.1), (1.0, 0.15))),
        HapticPattern("thinking", ((0.5, 0.06), (0.0, 0.7)), repeat=True),
        HapticPattern("connected", ((0.6, 0.05), (0.0, 0.05), (1.0, 0.12))),
        HapticPattern("disconnected", ((1.0, 0.12), (0.0, 0.05), (0.6, 0.05))),
        HapticPattern("tick", ((1.0, 0.03),)),
        HapticPattern("centred", ((1.0, 0.3),)),
        # The battery: long-short-long (low); five strong quick ones (critical, shutting down).
        HapticPattern("battery", ((0.8, 0.3), (0.0, 0.12), (0.8, 0.1), (0.0, 0.12), (0.8, 0.3))),
        HapticPattern("battery_critical", ((1.0, 0.12), (0.0, 0.08)) * 4 + ((1.0, 0.12),)),
        HapticPattern(
            "speech_broken", ((1.0, 0.22), (0.0, 0.1), (1.0, 0.22), (0.0, 0.1), (1.0, 0.22))
        ),
    )
}


class HapticMotor(Service):
    name = "haptics"

    def __init__(
        self,
        gpio: GpioSettings,
        settings: HapticSettings,
        pins: Pins,
        journal: Journal,
    ) -> None:
        super().__init__()
        self._pin = gpio.motor_pin
        self._settings = settings
        self._pins = pins
        self._journal = journal
        self._device: PWMOutputDevice | None = None
        self._pattern_task: asyncio.Task[None] | None = None
        self._next: str | None = None
        self.playing: str | None = None
        self.alert: str | None = None
        """A pattern felt instead of every ``ack`` while it is set (e.g. ``speech_broken``)."""

    @property
    def device(self) -> PWMOutputDevice | None:
        return self._device

    async def run(self) -> None:
        try:
            self._device = PWMOutputDevice(
                self._pin, frequency=200, pin_factory=self._pins.factory()
            )
        except (GPIOZeroError, OSError, ValueError) as err:
            raise GpioError(
                f"cannot drive the motor on GPIO{self._pin}: {err}",
                advice="check [gpio].motor_pin against hardware/pins.toml",
            ) from err
        _LOGGER.info("Haptic motor ready on GPIO%d", self._pin)
        self.ready.set()
        if self.alert is not None:  # raised before the motor could be felt (at start)
            self.play(self.alert)
        try:
            await asyncio.Future()
        finally:
            self.stop()
            device, self._device = self._device, None
            device.close()

    def play(self, name: str) -> None:
        """Start pattern `name` now, replacing whatever is playing or waiting."""
        self._next = None
        if name == "ack" and self.alert is not None:
            name = self.alert
        self._start(PATTERNS[name])

    def follow(self, name: str) -> None:
        """Play `name` when the pattern playing now ends (at once if none, or it repeats)."""
        playing = PATTERNS.get(self.playing or "")
        if playing is None or playing.repeat:
            self.play(name)
        else:
            self._next = name

    def stop(self, name: str | None = None) -> None:
        """Stop the motor; with `name`, only that pattern (playing or waiting to play)."""
        if name is not None:
            if self._next == name:
                self._next = None
            if self.playing != name:
                return
        else:
            self._next = None
        stopped = self.playing
        self._cancel_pattern()
        if self._device is not None:
            self._device.value = 0
        if stopped is not None:
            self._journal.publish("haptic.end", pattern=stopped, outcome="stopped")

    def _start(self, pattern: HapticPattern) -> None:
        self._cancel_pattern()
        device = self._device
        if device is None or not self._settings.enabled:
            self._journal.publish("haptic", pattern=pattern.name, felt=False)
            return
        level, _seconds = pattern.steps[0]
        device.value = level * self._settings.strength
        self.playing = pattern.name
        self._journal.publish("haptic", pattern=pattern.name, felt=True)
        self._pattern_task = asyncio.create_task(
            self._play_rest(device, pattern), name=f"haptic-{pattern.name}"
        )

    def _cancel_pattern(self) -> None:
        task, self._pattern_task = self._pattern_task, None
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
        self.playing = None

    async def _play_rest(self, device: PWMOutputDevice, pattern: HapticPattern) -> None:
        strength = self._settings.strength
        try:
            first = True
            while True:
                for level, seconds in pattern.steps:
                    if not first:
                        device.value = level * strength
                    first = False
                    await asyncio.sleep(seconds)
                if not pattern.repeat:
                    break
            device.value = 0
            self._journal.publish("haptic.end", pattern=pattern.name, outcome="done")
        except GPIOZeroError as err:  # the motor was closed under the pattern (shutdown)
            _LOGGER.warning("Haptic pattern %s stopped: %s", pattern.name, err)
            return
        self.playing = None
        self._pattern_task = None
        if self._next is not None:
            name, self._next = self._next, None
            self._start(PATTERNS[name])
