"""The Pi's own condition: CPU temperature, throttling, and whether its supply is too weak.

Read from sysfs: the Pi's firmware reports under-voltage (below 4.63 V on the 5 V input, per
Raspberry Pi's documentation) and throttling in get_throttled. Missing files simply mean "not
known here" (a development machine). The battery is the power monitor's (`vestsight.power`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

_LOGGER = logging.getLogger(__name__)

THERMAL = Path("/sys/class/thermal/thermal_zone0/temp")
THROTTLED = Path("/sys/devices/platform/soc/soc:firmware/get_throttled")

UNDER_VOLTAGE_NOW = 0x1
THROTTLED_NOW = 0x4
SOFT_TEMP_LIMIT_NOW = 0x8


@dataclass(frozen=True)
class SystemStatus:
    cpu_celsius: float | None
    under_voltage: bool
    throttled: bool


def read_status(thermal: Path = THERMAL, throttled: Path = THROTTLED) -> SystemStatus:
    flags = _read_int(throttled, base=16)
    millidegrees = _read_int(thermal)
    return SystemStatus(
        cpu_celsius=millidegrees / 1000 if millidegrees is not None else None,
        under_voltage=bool(flags and flags & UNDER_VOLTAGE_NOW),
        throttled=bool(flags and flags & (THROTTLED_NOW | SOFT_TEMP_LIMIT_NOW)),
    )


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
