"""A MAX17040/17043/17048 fuel gauge on I2C (smbus2), as on the Geekworm X120x UPS boards.

The family's registers are 16 bits, most significant byte first: VCELL (0x02) is the cell
voltage in units of 78.125 µV (the MAX17040/43 fill only the top 12 bits, 1.25 mV each: the same
scale), SOC (0x04) the state of charge, its high byte in percent and its low byte in 1/256 percent,
VERSION (0x08) the chip's version. The UPS board tells whether external power is present on a
GPIO (the X120x: GPIO6, high while the supply is good), read through gpiozero like the vest
buttons. smbus2 and gpiozero are imported here only, when the gauge is opened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..errors import BatteryError
from ..gpio.pins import Pins
from .base import BatteryGauge, GaugeReading

_LOGGER = logging.getLogger(__name__)

VCELL, SOC, VERSION = 0x02, 0x04, 0x08
VOLTS_PER_BIT = 78.125e-6

BusFactory = Callable[[int], Any]
"""Opens I2C bus number N (smbus2.SMBus); tests pass a fake."""


class Max1704xGauge(BatteryGauge):
    name = "max17048"
    description = "a MAX1704x fuel gauge on I2C"

    def __init__(
        self,
        bus: int,
        address: int,
        power_pin: int,
        pins: Pins,
        open_bus: BusFactory | None = None,
    ) -> None:
        self._bus_number = bus
        self._address = address
        self._power_pin = power_pin
        self._pins = pins
        self._open_bus = open_bus
        self._bus: Any = None
        self._power: Any = None

    def open(self) -> None:
        where = f"I2C bus {self._bus_number}, address 0x{self._address:02x}"
        try:
            if self._bus is None:
                self._bus = (self._open_bus or _smbus)(self._bus_number)
            version = self._word(VERSION)
        except OSError as err:
            self.close()
            raise BatteryError(
                f"no fuel gauge answers on {where}: {err}",
                advice="is the UPS board fitted and I2C on (dtparam=i2c_arm=on, i2cdetect -y 1)? "
                'A plain power bank: set [power] backend = "none"',
            ) from err
        _LOGGER.info("Fuel gauge on %s, version 0x%04x", where, version)
        if self._power_pin >= 0 and self._power is None:
            from gpiozero import DigitalInputDevice, GPIOZeroError

            try:
                self._power = DigitalInputDevice(
                    self._power_pin, pull_up=False, pin_factory=self._pins.factory()
                )
            except (GPIOZeroError, OSError) as err:
                _LOGGER.error("Cannot read GPIO%d (external power): %s", self._power_pin, err)

    def read(self) -> GaugeReading:
        if self._bus is None:
            self.open()
        try:
            vcell, soc = self._word(VCELL), self._word(SOC)
        except OSError as err:
            raise BatteryError(f"the fuel gauge did not answer: {err}") from err
        plugged = None if self._power is None else bool(self._power.value)
        return GaugeReading(soc / 256, round(vcell * VOLTS_PER_BIT, 4), plugged)

    def close(self) -> None:
        bus, self._bus = self._bus, None
        if bus is not None:
            try:
                bus.close()
            except OSError as err:
                _LOGGER.debug("Closing the I2C bus: %s", err)
        power, self._power = self._power, None
        if power is not None:
            power.close()

    def _word(self, register: int) -> int:
        high, low = self._bus.read_i2c_block_data(self._address, register, 2)
        return int(high) << 8 | int(low)


def _smbus(bus: int) -> Any:
    try:
        from smbus2 import SMBus
    except ImportError as err:
        raise OSError(f"smbus2 is not installed: {err}") from err
    return SMBus(bus)
