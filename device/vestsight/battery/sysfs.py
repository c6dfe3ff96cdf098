"""A gauge with a kernel driver: the first battery under /sys/class/power_supply.

For a board whose gauge the kernel drives (a ``max17040_battery``, ``bq27xxx`` or ACPI battery):
``capacity`` (percent), ``voltage_now`` (µV) and ``status`` (Charging, Full, Not charging:
external power is in; Discharging: it is not).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import BatteryError
from .base import BatteryGauge, GaugeReading

POWER_SUPPLY = Path("/sys/class/power_supply")

PLUGGED = {"Charging": True, "Full": True, "Not charging": True, "Discharging": False}


class SysfsGauge(BatteryGauge):
    name = "sysfs"
    description = "the kernel's battery driver"

    def __init__(self, power_supply: Path = POWER_SUPPLY) -> None:
        self._root = power_supply

    def read(self) -> GaugeReading:
        for supply in sorted(self._root.iterdir()) if self._root.is_dir() else []:
            if _text(supply / "type") != "Battery":
                continue
            capacity = _text(supply / "capacity")
            if capacity is None:
                continue
            try:
                percent = float(capacity)
            except ValueError as err:
                raise BatteryError(f"{supply}/capacity says {capacity[:20]!r}") from err
            microvolts = _text(supply / "voltage_now")
            volts = int(microvolts) / 1e6 if microvolts and microvolts.isdigit() else None
            return GaugeReading(percent, volts, PLUGGED.get(_text(supply / "status") or ""))
        raise BatteryError(
            f"no battery in {self._root}",
            advice="load the gauge's kernel driver, or choose another [power] backend",
        )


def _text(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None
