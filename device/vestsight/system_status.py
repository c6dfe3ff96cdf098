"""The vest's own condition: battery (where a fuel gauge is exposed), CPU temperature, throttling.

Everything is read from sysfs: a UPS HAT or fuel gauge with a kernel driver appears under
/sys/class/power_supply; the Pi's firmware reports under-voltage and throttling in get_throttled.
Missing files simply mean "not known here" (a development machine has no battery).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

_LOGGER = logging.getLogger(__name__)

POWER_SUPPLY = Path("/sys/class/power_supply")
THERMAL = Path("/sys/class/thermal/thermal_zone0/temp")
THROTTLED = Path("/sys/devices/platform/soc/soc:firmware/get_throttled")

UNDER_VOLTAGE_NOW = 0x1
THROTTLED_NOW = 0x4
SOFT_TEMP_LIMIT_NOW = 0x8


@dataclass(frozen=True)
class Battery:
    percent: int
    charging: bool


@dataclass(frozen=True)
class SystemStatus:
    battery: Battery | None
    cpu_celsius: float | None
    under_voltage: bool
    throttled: bool


def read_status(
    power_supply: Path = POWER_SUPPLY, thermal: Path = THERMAL, throttled: Path = THROTTLED
) -> SystemStatus:
    flags = _read_int(throttled, base=16)
    millidegrees = _read_int(thermal)
    return SystemStatus(
        battery=read_battery(power_supply),
        cpu_celsius=millidegrees / 1000 if millidegrees is not None else None,
        under_voltage=bool(flags and flags & UNDER_VOLTAGE_NOW),
        throttled=bool(flags and flags & (THROTTLED_NOW | SOFT_TEMP_LIMIT_NOW)),
    )


def read_battery(power_supply: Path = POWER_SUPPLY) -> Battery | None:
    if not power_supply.is_dir():
        return None
    for supply in sorted(power_supply.iterdir()):
        if _read_text(supply / "type") != "Battery":
            continue
        percent = _read_int(supply / "capacity")
        if percent is None:
            continue
        status = _read_text(supply / "status") or ""
        return Battery(max(0, min(100, percent)), status == "Charging")
    return None


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _read_int(path: Path, base: int = 10) -> int | None:
    text = _read_text(path)
    if text is None:
        return None
    try:
        return int(text.removeprefix("0x"), base)
    except ValueError:
        _LOGGER.warning("Unexpected content in %s: %r", path, text[:40])
        return None
