"""What to believe of a gauge and what to do about it: a pure state machine, fed one reading
(or failure) at a time, returning the events the power monitor acts on.

- A reading outside 0..100 (a little over 100 right after a full charge is taken as 100) is
  nonsense: logged, never believed; `confirm` of them in a row is said once, like a gauge that
  stops answering (`confirm` failures in a row).
- A reading more than `max_jump` from the last one believed (with the charger neither plugged in
  nor out in between) waits for the next reading to agree before it is believed.
- Each warning level fires once per discharge (the most urgent one crossed, if several were);
  plugging the charger in starts a new discharge. A gauge that cannot tell whether the charger is
  in re-arms a level once the battery is `rearm` points above it.
- Shutting down needs `confirm` believed readings in a row at or below `shutdown_percent`, or
  at or below `shutdown_volts` on the cell, or the Pi's own under-voltage flag while on battery
  below the first warning level: one odd reading never shuts the vest down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .base import GaugeReading

OVERFULL = 103.0
"""Fuel gauges report a little over 100 % right after a full charge: up to here it means full."""
CELL_VOLTS = (2.0, 4.6)
"""A lithium-ion cell reading outside this is not a voltage to believe."""


@dataclass(frozen=True)
class Thresholds:
    warnings: tuple[int, ...] = (20, 10, 5)
    shutdown_percent: float = 3.0
    shutdown_volts: float = 3.2
    """0 turns the voltage check off."""
    confirm: int = 3
    max_jump: float = 10.0
    rearm: float = 5.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "warnings", tuple(sorted(set(self.warnings), reverse=True)))


@dataclass(frozen=True)
class Warn:
    level: int
    """0 for the first warning level, 1 for the next, and so on (rising urgency)."""
    percent: int


@dataclass(frozen=True)
class PowerReturned:
    percent: int


@dataclass(frozen=True)
class PowerLost:
    percent: int


@dataclass(frozen=True)
class GaugeLost:
    reason: str
    """``not_answering`` or ``nonsense``."""
    detail: str


@dataclass(frozen=True)
class GaugeBack:
    pass


@dataclass(frozen=True)
class Rejected:
    value: float | None
    reason: str
    """``nonsense`` or ``jump``."""


@dataclass(frozen=True)
class Critical:
    reason: str
    """``battery`` (level or cell voltage) or ``supply`` (the Pi's under-voltage)."""
    percent: int
    volts: float | None


Event = Warn | PowerReturned | PowerLost | GaugeLost | GaugeBack | Rejected | Critical


@dataclass
class BatteryPolicy:
    limits: Thresholds = field(default_factory=Thresholds)
    level: float | None = None
    """The last percentage believed."""
    volts: float | None = None
    plugged: bool | None = None
    lost: str | None = None
    """Why the gauge is not believed now (``not_answering``, ``nonsense``), once said."""
    _bad_run: int = 0
    _suspect: float | None = None
    _warned: set[int] = field(default_factory=set)
    _low_run: int = 0
    _supply_run: int = 0
    _critical: bool = False

    def failed(self, detail: str) -> list[Event]:
        """The gauge did not answer."""
        return self._bad("not_answering", detail)

    def reading(self, reading: GaugeReading, under_voltage: bool = False) -> list[Event]:
        percent = reading.percent
        if percent is None or not math.isfinite(percent) or not 0 <= percent <= OVERFULL:
            events: list[Event] = [Rejected(percent, "nonsense")]
            return events + self._bad("nonsense", f"the gauge reported {percent!r} percent")
        percent = min(percent, 100.0)
        events = []
        self._bad_run = 0
        if self.lost is not None:
            self.lost = None
            events.append(GaugeBack())
        plugged = reading.plugged
        changed = plugged is not None and self.plugged is not None and plugged != self.plugged
        if changed and plugged:
            events.append(PowerReturned(round(percent)))
            self._warned.clear()
            self._critical = False
        elif changed:
            events.append(PowerLost(round(percent)))
        if plugged is not None:
            self.plugged = plugged
        jump = self.limits.max_jump
        jumped = self.level is not None and not changed and abs(percent - self.level) > jump
        if jumped and (self._suspect is None or abs(percent - self._suspect) > jump):
            self._suspect = percent
            self._low_run = self._supply_run = 0
            return [*events, Rejected(percent, "jump")]
        self._suspect = None
        self.level = percent
        volts = reading.volts
        sane = volts is not None and CELL_VOLTS[0] <= volts <= CELL_VOLTS[1]
        self.volts = volts if sane else None
        return events + self._judge(percent, under_voltage)

    def _judge(self, percent: float, under_voltage: bool) -> list[Event]:
        limits = self.limits
        events: list[Event] = []
        on_battery = self.plugged is not True
        if self.plugged is None:  # no charger signal: a level well above a warning re-arms it
            rearmed = {i for i in self._warned if percent >= limits.warnings[i] + limits.rearm}
            self._warned -= rearmed
        crossed = [i for i, limit in enumerate(limits.warnings) if percent <= limit]
        if on_battery and crossed and max(crossed) not in self._warned:
            self._warned |= set(crossed)
            events.append(Warn(max(crossed), round(percent)))
        volts = self.volts
        volts_low = bool(limits.shutdown_volts and volts and volts <= limits.shutdown_volts)
        low = on_battery and (percent <= limits.shutdown_percent or volts_low)
        self._low_run = self._low_run + 1 if low else 0
        failing = self.plugged is False and under_voltage and percent <= limits.warnings[0]
        self._supply_run = self._supply_run + 1 if failing else 0
        if not self._critical and limits.confirm <= max(self._low_run, self._supply_run):
            self._critical = True
            reason = "battery" if self._low_run >= limits.confirm else "supply"
            events.append(Critical(reason, round(percent), self.volts))
        return events

    def _bad(self, reason: str, detail: str) -> list[Event]:
        self._bad_run += 1
        self._low_run = self._supply_run = 0
        if self._bad_run >= self.limits.confirm and self.lost is None:
            self.lost = reason
            return [GaugeLost(reason, detail)]
        return []
