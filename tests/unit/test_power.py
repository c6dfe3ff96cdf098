"""The power monitor on the simulated vest: warnings heard and felt in time, once per discharge;
"charging"; a gauge that fails or talks nonsense said once, never a false shutdown; the time
left in `status`, from a drain measured on a fake clock."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import TIMEOUT, RecordLog, event, recording
from tests.unit.simulated_vest import feedback_of
from vestsight.battery import GaugeReading, NoGauge, SimulatedBattery
from vestsight.battery.base import BatteryGauge, BatteryStatus
from vestsight.battery.policy import Critical
from vestsight.commands.basic import battery_sentence
from vestsight.commands.vest import Vest
from vestsight.errors import InputError
from vestsight.journal import Journal
from vestsight.phrases import Phrases
from vestsight.power import PowerMonitor
from vestsight.system_status import SystemStatus, read_status


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def steady_supply() -> SystemStatus:
    return SystemStatus(cpu_celsius=50.0, under_voltage=False, throttled=False)


@contextlib.asynccontextmanager
async def monitoring(
    vest: Vest, gauge: BatteryGauge, clock: FakeClock | None = None, **kw: Any
) -> AsyncIterator[tuple[PowerMonitor, list[Critical]]]:
    criticals: list[Critical] = []
    monitor = PowerMonitor(
        feedback_of(vest),
        vest.settings.power,
        gauge,
        criticals.append,
        clock=clock or FakeClock(),
        system=steady_supply,
        **kw,
    )
    task = asyncio.create_task(monitor.run())
    try:
        await asyncio.wait_for(monitor.ready.wait(), TIMEOUT)
        if gauge.reports_level:  # the first reading, at start, taken before the test's own
            await asyncio.wait_for(monitor.until_checked(1), TIMEOUT)
        yield monitor, criticals
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def checked(monitor: PowerMonitor, checks: int = 1, **battery: Any) -> None:
    """Set the simulated battery and wait until the monitor has read it `checks` times."""
    until = monitor.simulate({**battery, "checks": checks})["until"]
    await asyncio.wait_for(monitor.until_checked(until), TIMEOUT)


def said(log: RecordLog) -> list[tuple[str, str]]:
    return [
        (r["text"], r["priority"])
        for r in log.history
        if r["event"] == "speech.queued" and r["source"] == "power"
    ]


def felt(log: RecordLog) -> list[str]:
    return [r["pattern"] for r in log.history if r["event"] == "haptic"]


async def test_warnings_at_20_10_and_5_percent_rise_in_urgency_once_per_discharge(
    vest, journal: Journal
) -> None:
    the_vest, _inputs, _llm = vest
    clock = FakeClock()
    battery = SimulatedBattery(30.0, clock=clock)
    async with recording(journal) as log, monitoring(the_vest, battery, clock) as (monitor, _):
        for percent in (25, 21, 20, 18, 15, 12, 10, 9, 7, 5, 4):
            await checked(monitor, percent=percent)
        await log.expect(event("haptic", pattern="battery_critical"))
    assert said(log) == [
        ("Battery low: 20 percent.", "normal"),
        ("Battery very low: 10 percent. Charge the vest soon.", "urgent"),
        ("Battery critical: 5 percent. The vest will shut down soon.", "urgent"),
    ]
    assert felt(log) == ["battery", "battery", "battery_critical"]
    earcons = [
        r for r in log.history if r["event"] == "speech.queued" and r["text"] == "[low battery]"
    ]
    assert [r["priority"] for r in earcons] == ["normal", "urgent", "urgent"]
    levels = [(r["level"], r["percent"]) for r in log.history if r["event"] == "power.warning"]
    assert levels == [(0, 20), (1, 10), (2, 5)]


async def test_charging_is_said_and_a_new_discharge_warns_again(vest, journal: Journal) -> None:
    the_vest, _inputs, _llm = vest
    battery = SimulatedBattery(19.0)
    async with recording(journal) as log, monitoring(the_vest, battery) as (monitor, _):
        await checked(monitor, percent=18)
        await checked(monitor, plugged=True)
        await checked(monitor, percent=16)  # charging: never a warning
        await checked(monitor, plugged=False)
        assert monitor.status() == BatteryStatus(16, False, None, monitor.policy.volts)
    assert said(log) == [
        ("Battery low: 19 percent.", "normal"),
        ("Charging. Battery 18 percent.", "normal"),
        ("Charger disconnected. Battery 16 percent.", "normal"),
        ("Battery low: 16 percent.", "normal"),
    ]
    assert felt(log) == ["battery", "connected", "disconnected", "battery"]


async def test_a_gauge_that_stops_answering_is_said_once_and_never_shuts_down(
    vest, journal: Journal
) -> None:
    the_vest, _inputs, _llm = vest
    battery = SimulatedBattery(4.0)  # below the last warning: a shutdown would be close
    async with recording(journal) as log, monitoring(the_vest, battery) as (monitor, criticals):
        await checked(monitor, checks=2, answering=False)
        critical = "Battery critical: 4 percent. The vest will shut down soon."
        assert said(log)[-1:] == [(critical, "urgent")]
        await checked(monitor, checks=10)
        assert monitor.status() == BatteryStatus(problem="not_answering")
        await checked(monitor, answering=True)
        assert monitor.status().percent == 4
    lost = [t for t, _ in said(log) if "not answering" in t]
    assert lost == ["Battery level unknown: the battery gauge is not answering."]
    assert criticals == []
    assert [r["event"] for r in log.history if r["event"].startswith("power.gauge")] == [
        "power.gauge_lost",
        "power.gauge_back",
    ]


async def test_nonsense_from_the_gauge_is_logged_never_believed_and_said_once(
    vest, journal: Journal, caplog: pytest.LogCaptureFixture
) -> None:
    the_vest, _inputs, _llm = vest
    battery = SimulatedBattery(50.0)
    async with recording(journal) as log, monitoring(the_vest, battery) as (monitor, criticals):
        await checked(monitor, checks=2, report=140)
        assert monitor.status().percent == 50  # what it last believed
        await checked(monitor, checks=5, report=-7)
        assert monitor.status() == BatteryStatus(problem="nonsense")
        await checked(monitor, report=None)
        assert monitor.status().percent == 50
    rejected = [r["value"] for r in log.history if r["event"] == "power.rejected"]
    assert rejected == [140, 140, -7, -7, -7, -7, -7]
    lost = "Battery level unknown: the battery gauge is not answering."
    assert [t for t, _ in said(log)] == [lost]
    assert criticals == []
    assert "not believed (nonsense): 140" in caplog.text


async def test_consistent_critical_readings_start_the_shutdown_once(vest, journal: Journal) -> None:
    the_vest, _inputs, _llm = vest
    battery = SimulatedBattery(6.0)
    async with recording(journal) as log, monitoring(the_vest, battery) as (monitor, criticals):
        await checked(monitor, percent=2.5)  # one reading at the shutdown level: not yet
        await checked(monitor, percent=6)
        await checked(monitor, percent=2.5, checks=2)
        assert criticals == []
        await checked(monitor, checks=3)  # the third in a row: shut down, once
    assert criticals == [Critical("battery", 2, monitor.policy.volts)]
    await log.expect(event("power.critical", reason="battery", percent=2))


async def test_a_gauge_that_hangs_is_not_waited_for(vest, journal: Journal) -> None:
    the_vest, _inputs, _llm = vest
    release = threading.Event()

    class HangingGauge(BatteryGauge):
        def read(self) -> GaugeReading:
            release.wait(TIMEOUT)
            return GaugeReading(50.0, 3.8, False)

    async with (
        recording(journal) as log,
        monitoring(the_vest, HangingGauge(), read_timeout_s=0.05) as (monitor, criticals),
    ):
        for _ in range(4):
            await monitor.check()
        await log.expect(event("power.gauge_lost", reason="not_answering"))
        release.set()
    assert criticals == []


async def test_a_plain_power_bank_says_once_that_the_level_is_unknown(
    vest, journal: Journal
) -> None:
    the_vest, _inputs, _llm = vest
    async with recording(journal) as log, monitoring(the_vest, NoGauge()) as (monitor, _):
        await log.expect(event("power.no_gauge"))
        await log.expect(event("speech.queued", source="power"))
        with pytest.raises(InputError, match="not simulated"):
            monitor.simulate({"percent": 10})
        assert monitor.status() == BatteryStatus(problem="no_gauge")
    assert [t for t, _ in said(log)] == ["Battery level unknown: this vest has no battery gauge."]


async def test_status_says_the_time_left_once_the_drain_is_measured(vest, journal: Journal) -> None:
    the_vest, _inputs, _llm = vest
    clock = FakeClock()
    battery = SimulatedBattery(60.0, hours_per_charge=100 / 12, clock=clock)  # 12 % an hour
    async with monitoring(the_vest, battery, clock) as (monitor, _):
        assert monitor.status().seconds_left is None
        for _ in range(30):  # half an hour, a reading a minute
            clock.now += 60
            await checked(monitor)
        status = monitor.status()
    assert status.percent == 54 and status.seconds_left is not None
    assert battery_sentence(Phrases("en"), status) == "Battery 54 percent, about 4 hours."
    assert battery_sentence(Phrases("en"), BatteryStatus(40, False, 7300)) == (
        "Battery 40 percent, about 2 hours."
    )
    assert battery_sentence(Phrases("ru"), BatteryStatus(40, False, 7300)) == (
        "Батарея 40 процентов, хватит примерно на 2 часа."
    )
    assert battery_sentence(Phrases("en"), BatteryStatus(70, True)) == (
        "Battery 70 percent, charging."
    )
    assert battery_sentence(Phrases("en"), BatteryStatus(problem="no_gauge")) == (
        "Battery level unknown."
    )


async def test_the_battery_command_refuses_bad_values(vest) -> None:
    the_vest, _inputs, _llm = vest
    battery = SimulatedBattery(50.0)
    async with monitoring(the_vest, battery) as (monitor, _):
        for bad in ({"percent": 140}, {"percent": "low"}, {"plugged": 1}, {"checks": 99}):
            with pytest.raises(InputError):
                monitor.simulate(bad)
        assert battery.state()["percent"] == 50


def test_the_pi_status_reads_without_a_pi() -> None:
    status = read_status()  # no vcgencmd files here: not known, not an error
    assert status.cpu_celsius is None or -40 < status.cpu_celsius < 130
    assert status.under_voltage in (True, False)
