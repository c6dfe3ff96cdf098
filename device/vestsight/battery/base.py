"""The battery as the vest sees it: one small interface for every kind of fuel gauge.

A backend's `read()` blocks (I2C, sysfs) and runs on the power monitor's own thread. It returns
what the gauge said, unjudged (`vestsight.battery.policy` decides what to believe), or raises
`BatteryError` when the gauge does not answer. `vestsight.battery.make_gauge` picks the backend
from ``[power] backend``.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from ..errors import BatteryError


@dataclass(frozen=True)
class GaugeReading:
    percent: float | None
    """State of charge as the gauge reports it: possibly nonsense (over 100, negative)."""
    volts: float | None = None
    """Cell (or pack) voltage, where the gauge measures it."""
    plugged: bool | None = None
    """External power is present (charging or full); None: this gauge cannot tell."""


class BatteryGauge(abc.ABC):
    """A fuel gauge. `open`, `read` and `close` are called on the power monitor's thread."""

    name = "gauge"
    description = "a battery gauge"
    reports_level = True
    """False for a supply nothing can read (a plain USB power bank)."""

    def open(self) -> None:  # noqa: B027 -- most gauges have nothing to open
        """Find the gauge; raise `BatteryError` if it is not there (it is tried again later)."""

    @abc.abstractmethod
    def read(self) -> GaugeReading:
        """What the gauge says now; `BatteryError` if it does not answer."""

    def close(self) -> None:  # noqa: B027
        """Let go of the bus and pins (also after a failed `open`)."""


class NoGauge(BatteryGauge):
    """A plain USB-C power bank: it powers the vest but reports nothing."""

    name = "none"
    description = "no battery gauge (a plain power bank)"
    reports_level = False

    def read(self) -> GaugeReading:
        raise BatteryError(
            "this vest has no battery gauge",
            advice="fit a UPS board with a fuel gauge (hardware/BOM.md) and set [power] backend",
        )


@dataclass(frozen=True)
class BatteryStatus:
    """What `status` says about the battery, as the power monitor last judged it."""

    percent: int | None = None
    """None: not known (no gauge, no sensible reading yet, or the gauge stopped answering)."""
    plugged: bool | None = None
    seconds_left: float | None = None
    """Until the vest shuts down for low battery, from the measured drain; None: not yet known."""
    volts: float | None = None
    problem: str | None = None
    """Why the level is not known: ``no_gauge``, ``not_answering`` or ``nonsense``."""
