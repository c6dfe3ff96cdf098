"""The vest's power: its battery gauge (`make_gauge`) and the system's power-off
(`make_system_power`), each chosen by ``[power]`` in the config. The power monitor
(`vestsight.power`) reads the gauge; `vestsight.shutdown` says, saves and powers off."""

from __future__ import annotations

from collections.abc import Callable

from ..gpio.pins import Pins
from ..journal import Journal
from ..settings import PowerSettings
from .base import BatteryGauge, BatteryStatus, GaugeReading, NoGauge
from .simulated import SimulatedBattery
from .system_power import SimulatedPower, SystemPower

__all__ = [
    "BatteryGauge",
    "BatteryStatus",
    "GaugeReading",
    "NoGauge",
    "SimulatedBattery",
    "SimulatedPower",
    "SystemPower",
    "make_gauge",
    "make_system_power",
]


def make_gauge(settings: PowerSettings, pins: Pins) -> BatteryGauge:
    if settings.backend == "max17048":
        from .max1704x import Max1704xGauge

        return Max1704xGauge(settings.i2c_bus, settings.i2c_address, settings.power_pin, pins)
    if settings.backend == "sysfs":
        from .sysfs import SysfsGauge

        return SysfsGauge()
    if settings.backend == "none":
        return NoGauge()
    return SimulatedBattery(settings.simulated_percent, settings.simulated_hours)


def make_system_power(
    settings: PowerSettings, journal: Journal, stop_app: Callable[[], None]
) -> SystemPower:
    if settings.shutdown == "logind":
        from .logind import LogindPower

        return LogindPower()
    return SimulatedPower(journal, stop_app)
