"""The bench jig's GPIO, on the bench host: button presses out, the motor line in, vest power.

gpiozero is imported here only when a real bench opens its pins (lgpio on a bench Pi); a
`pin_factory` may be passed instead (gpiozero's MockFactory in the jig's own test). Edges of the
motor line are timestamped on the bench's monotonic clock in gpiozero's callback thread.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from tests.hil.bench_settings import BenchPins
from tests.hil.haptic_trace import Pulse, pulses_from_edges

_LOGGER = logging.getLogger(__name__)


def real_pin_factory() -> Any:
    from gpiozero.pins.lgpio import LGPIOFactory

    return LGPIOFactory()


class BenchJig:
    def __init__(self, pins: BenchPins, pin_factory: Any = None) -> None:
        from gpiozero import DigitalInputDevice, DigitalOutputDevice

        factory = pin_factory if pin_factory is not None else real_pin_factory()
        self._presses = {
            name: DigitalOutputDevice(gpio, initial_value=False, pin_factory=factory)
            for name, gpio in pins.press.items()
        }
        self._motor = DigitalInputDevice(pins.haptic, pull_up=None, active_state=True,
                                         pin_factory=factory)  # fmt: skip
        self._power = (
            DigitalOutputDevice(pins.power, initial_value=True, pin_factory=factory)
            if pins.power is not None
            else None
        )
        self._lock = threading.Lock()
        self._edges: list[tuple[float, int]] = [(time.monotonic(), int(self._motor.value))]
        self._motor.when_activated = lambda: self._motor_changed(1)
        self._motor.when_deactivated = lambda: self._motor_changed(0)

    def _motor_changed(self, state: int) -> None:
        """gpiozero's callback thread: stamp the edge at once on the bench clock."""
        with self._lock:
            self._edges.append((time.monotonic(), state))

    @property
    def buttons(self) -> tuple[str, ...]:
        return tuple(self._presses)

    def set_button(self, name: str, pressed: bool) -> float:
        line = self._presses.get(name)
        if line is None:
            raise AssertionError(f"the jig has no line for vest button {name!r}")
        before = time.monotonic()
        line.value = pressed
        return before

    def set_power(self, on: bool) -> float:
        if self._power is None:
            raise AssertionError("the jig's power line is not configured")
        before = time.monotonic()
        self._power.value = on
        return before

    @property
    def has_power_line(self) -> bool:
        return self._power is not None

    def motor_pulses(self, since: float) -> list[Pulse]:
        with self._lock:
            edges = list(self._edges)
        return [p for p in pulses_from_edges(edges, time.monotonic()) if p.end >= since]

    def close(self) -> None:
        for line in self._presses.values():
            line.off()
            line.close()
        self._motor.close()
        if self._power is not None:
            self._power.close()  # the load switch's own pull-up keeps the vest powered
