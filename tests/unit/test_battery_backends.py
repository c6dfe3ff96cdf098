"""The battery's backends: the MAX1704x gauge over a fake I2C bus with the external-power line on
gpiozero's MockFactory, the kernel's power-supply class in a folder, and the safe shutdown's note
for the next start."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.conftest import TIMEOUT, event, recording
from tests.unit.simulated_vest import feedback_of
from vestsight.battery import SimulatedPower, make_gauge
from vestsight.battery.base import GaugeReading
from vestsight.battery.max1704x import SOC, VCELL, VERSION, Max1704xGauge
from vestsight.battery.policy import Critical
from vestsight.battery.sysfs import SysfsGauge
from vestsight.errors import BatteryError, PowerOffError
from vestsight.gpio.pins import Pins
from vestsight.journal import Journal
from vestsight.settings import GpioSettings, PowerSettings
from vestsight.shutdown import MARKER, SafeShutdown


class FakeBus:
    """An SMBus with a MAX17048 on it (address 0x36), or nothing answering."""

    def __init__(self, registers: dict[int, int], answering: bool = True) -> None:
        self.registers = registers
        self.answering = answering
        self.closed = False

    def read_i2c_block_data(self, address: int, register: int, length: int) -> list[int]:
        if not self.answering or address != 0x36:
            raise OSError(121, "Remote I/O error")
        word = self.registers[register]
        return [word >> 8, word & 0xFF][:length]

    def close(self) -> None:
        self.closed = True


def gauge_on(bus: FakeBus, power_pin: int = 6) -> Max1704xGauge:
    return Max1704xGauge(1, 0x36, power_pin, Pins(GpioSettings()), open_bus=lambda n: bus)


def test_the_max1704x_gauge_reads_charge_voltage_and_the_charger_line() -> None:
    # 57 and 128/256 percent; 3.9 V is 49920 units of 78.125 µV.
    bus = FakeBus({VERSION: 0x0012, SOC: 57 << 8 | 128, VCELL: 49920})
    gauge = gauge_on(bus)
    gauge.open()
    try:
        assert gauge.read() == GaugeReading(57.5, 3.9, False)
        gauge._power.pin.drive_high()  # the UPS board: external power is in
        assert gauge.read().plugged is True
        bus.answering = False
        with pytest.raises(BatteryError, match="did not answer"):
            gauge.read()
    finally:
        gauge.close()
    assert bus.closed


def test_a_missing_gauge_is_a_named_error_with_advice() -> None:
    gauge = gauge_on(FakeBus({}, answering=False), power_pin=-1)
    with pytest.raises(BatteryError) as caught:
        gauge.open()
    assert "0x36" in str(caught.value) and "i2c_arm" in caught.value.advice
    gauge.close()


def test_the_gauge_is_chosen_by_config() -> None:
    pins = Pins(GpioSettings())
    assert make_gauge(PowerSettings(backend="max17048"), pins).name == "max17048"
    assert make_gauge(PowerSettings(backend="sysfs"), pins).name == "sysfs"
    assert not make_gauge(PowerSettings(backend="none"), pins).reports_level
    assert make_gauge(PowerSettings(), pins).name == "simulated"


def test_the_kernel_battery_driver(tmp_path: Path) -> None:
    mains = tmp_path / "AC"
    mains.mkdir()
    (mains / "type").write_text("Mains\n")
    cell = tmp_path / "max17040_battery"
    cell.mkdir()
    for name, value in {"type": "Battery", "capacity": "42", "voltage_now": "3760000"}.items():
        (cell / name).write_text(value + "\n")
    (cell / "status").write_text("Discharging\n")
    gauge = SysfsGauge(tmp_path)
    assert gauge.read() == GaugeReading(42.0, 3.76, False)
    (cell / "status").write_text("Charging\n")
    assert gauge.read().plugged is True
    (cell / "capacity").write_text("garbage\n")
    with pytest.raises(BatteryError, match="garbage"):
        gauge.read()
    with pytest.raises(BatteryError, match="no battery"):
        SysfsGauge(tmp_path / "none").read()


async def test_the_safe_shutdown_notes_why_for_the_next_start(
    vest, journal: Journal, tmp_path: Path
) -> None:
    the_vest, _inputs, _llm = vest
    stopped = asyncio.Event()
    power = SimulatedPower(journal, stopped.set)
    shutdown = SafeShutdown(feedback_of(the_vest), the_vest.memory, power, tmp_path)
    async with recording(journal) as log:
        shutdown.begin(Critical("battery", 2, 3.25))
        shutdown.begin(Critical("battery", 1, 3.2))  # once only
        await asyncio.wait_for(stopped.wait(), TIMEOUT)
        said = await log.expect(event("speech.queued", source="power"))
    assert said["text"] == "Battery empty. Saving and shutting down; charge the vest."
    assert json.loads((tmp_path / MARKER).read_text())["reason"] == "battery"
    assert [r["event"] for r in log.history if r["event"].startswith("power.")] == [
        "power.shutdown",
        "power.saved",
        "power.poweroff",
    ]
    await shutdown.close()

    again = SafeShutdown(
        feedback_of(the_vest), the_vest.memory, SimulatedPower(journal, stopped.set), tmp_path
    )
    assert again.last_shutdown() == "Vestsight had shut down because the battery was empty."
    assert again.last_shutdown() is None  # said once
    (tmp_path / MARKER).write_text("{not json")  # a note cut short: still said, never a crash
    assert again.last_shutdown() == "Vestsight had shut down because the battery was empty."


async def test_a_refused_power_off_is_said(vest, journal: Journal, tmp_path: Path) -> None:
    the_vest, _inputs, _llm = vest

    class Refusing(SimulatedPower):
        async def power_off(self) -> None:
            raise PowerOffError("logind refused", advice="check the polkit rule")

    shutdown = SafeShutdown(
        feedback_of(the_vest), the_vest.memory, Refusing(journal, lambda: None), tmp_path
    )
    async with recording(journal) as log:
        shutdown.begin(Critical("supply", 8, None))
        await log.expect(event("power.poweroff_failed"))
        texts = [r["text"] for r in log.history if r["event"] == "speech.queued"]
    assert texts == [
        "The power supply is failing. Saving and shutting down.",
        "The vest could not shut itself down: press the power button.",
    ]
    await shutdown.close()
