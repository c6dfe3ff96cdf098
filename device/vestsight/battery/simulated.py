"""A simulated battery: it drains and charges with the clock, and tests can set everything.

The control socket's ``battery`` command (and tests, directly) set its level, whether the
charger is in, how fast it drains and charges, and make its gauge misbehave: stop answering, or
report a fixed value (``report``: over 100, negative) whatever the level is.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

from ..errors import BatteryError, InputError
from .base import BatteryGauge, GaugeReading

CHARGE_PER_HOUR = 50.0
"""Percent per hour on the charger: empty to full in two hours."""
EMPTY_VOLTS, FULL_VOLTS = 3.3, 4.2
"""A lithium-ion cell's voltage at 0 and 100 percent (straight line between: close enough)."""

_NUMBERS = {"percent": (0.0, 100.0), "drain_per_hour": (0.0, 1000.0)}
_NUMBERS |= {"charge_per_hour": (0.0, 1000.0)}


class SimulatedBattery(BatteryGauge):
    name = "simulated"
    description = "a simulated battery"

    def __init__(
        self,
        percent: float = 80.0,
        hours_per_charge: float = 8.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()  # read() runs on the monitor's thread, set() on the loop
        self._clock = clock
        self._at = clock()
        self.percent = percent
        self.plugged = False
        self.drain_per_hour = 100.0 / hours_per_charge
        self.charge_per_hour = CHARGE_PER_HOUR
        self.answering = True
        self.report: float | None = None
        """A value the gauge reports instead of the level (a broken gauge's nonsense)."""
        self.volts: float | None = None
        """A voltage the gauge reports instead of the level's (a sagging cell)."""

    def read(self) -> GaugeReading:
        with self._lock:
            self._advance()
            if not self.answering:
                raise BatteryError("the simulated gauge does not answer (as set)")
            return GaugeReading(
                self.report if self.report is not None else round(self.percent, 3),
                self.volts if self.volts is not None else _volts(self.percent),
                self.plugged,
            )

    def set(self, request: dict[str, Any]) -> dict[str, Any]:
        """Change what the request names; raise `InputError` (and change nothing) if it is bad."""
        changes: dict[str, Any] = {}
        for key, (low, high) in _NUMBERS.items():
            if key in request:
                changes[key] = _number(request[key], key, low, high)
        for key in ("report", "volts"):
            if key in request:
                value = request[key]
                changes[key] = None if value is None else _number(value, key, -1e6, 1e6)
        for key in ("plugged", "answering"):
            if key in request:
                if not isinstance(request[key], bool):
                    raise InputError(f"battery: {key} must be true or false")
                changes[key] = request[key]
        with self._lock:
            self._advance()
            for key, value in changes.items():
                setattr(self, key, value)
        return self.state()

    def state(self) -> dict[str, Any]:
        with self._lock:
            self._advance()
            return {
                "percent": round(self.percent, 2),
                "plugged": self.plugged,
                "drain_per_hour": self.drain_per_hour,
                "charge_per_hour": self.charge_per_hour,
                "answering": self.answering,
                "report": self.report,
                "volts": self.volts,
            }

    def _advance(self) -> None:
        now = self._clock()
        hours, self._at = (now - self._at) / 3600, now
        if self.plugged:
            self.percent = min(100.0, self.percent + self.charge_per_hour * hours)
        else:
            self.percent = max(0.0, self.percent - self.drain_per_hour * hours)


def _volts(percent: float) -> float:
    return round(EMPTY_VOLTS + (FULL_VOLTS - EMPTY_VOLTS) * percent / 100, 3)


def _number(value: Any, key: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"battery: {key} must be a number")
    if not low <= value <= high:
        raise InputError(f"battery: {key} must be between {low:g} and {high:g}")
    return float(value)
