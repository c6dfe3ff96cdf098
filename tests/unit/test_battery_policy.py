"""What the vest believes of its battery gauge, and the time left: pure logic, a fake clock."""

from __future__ import annotations

import math

import pytest

from vestsight.battery.base import GaugeReading
from vestsight.battery.estimate import DrainEstimate, time_left_words
from vestsight.battery.policy import (
    BatteryPolicy,
    Critical,
    GaugeBack,
    GaugeLost,
    PowerLost,
    PowerReturned,
    Rejected,
    Thresholds,
    Warn,
)
from vestsight.phrases import Phrases


def feed(policy: BatteryPolicy, *levels: float, plugged: bool | None = False, **kw) -> list:
    """Every event the readings `levels` cause, in order."""
    events: list = []
    for level in levels:
        events += policy.reading(GaugeReading(level, None, plugged), **kw)
    return events


def warnings(events: list) -> list[tuple[int, int]]:
    return [(e.level, e.percent) for e in events if isinstance(e, Warn)]


def test_each_level_warns_once_per_discharge_with_rising_urgency() -> None:
    policy = BatteryPolicy()
    events = feed(policy, 30, 25, 21, 20, 19, 15, 11, 10, 9, 6, 5, 4)
    assert warnings(events) == [(0, 20), (1, 10), (2, 5)]
    # The charger goes in: "charging", and no warning while it charges, however low.
    events = policy.reading(GaugeReading(4, None, True)) + feed(policy, 4, 6, 12, plugged=True)
    assert [type(e) for e in events] == [PowerReturned]
    assert warnings(events) == []
    # Out again at 12 %: a new discharge, warned afresh.
    events = feed(policy, 12, 10, 9)
    assert isinstance(events[0], PowerLost)
    assert warnings(events) == [(0, 12), (1, 10)]


def test_starting_low_or_falling_past_several_levels_says_only_the_most_urgent() -> None:
    policy = BatteryPolicy()
    assert warnings(feed(policy, 8)) == [(1, 8)]
    assert warnings(feed(policy, 8, 7, 6)) == []
    policy = BatteryPolicy(Thresholds(max_jump=50))
    assert warnings(feed(policy, 40, 4)) == [(2, 4)]


def test_without_a_charger_signal_a_level_rearms_once_the_battery_is_well_above_it() -> None:
    policy = BatteryPolicy()
    assert warnings(feed(policy, 22, 20, plugged=None)) == [(0, 20)]
    assert warnings(feed(policy, 23, 21, 20, plugged=None)) == []  # 23 < 20 + 5: not re-armed
    assert warnings(feed(policy, 25, 30, 22, 20, plugged=None)) == [(0, 20)]


def test_a_jump_is_believed_only_when_the_next_reading_agrees() -> None:
    policy = BatteryPolicy()
    feed(policy, 60)
    events = feed(policy, 15)
    assert events == [Rejected(15, "jump")] and policy.level == 60
    assert feed(policy, 61) == [] and policy.level == 61  # it was a glitch
    assert feed(policy, 14) == [Rejected(14, "jump")]
    assert warnings(feed(policy, 13)) == [(0, 13)] and policy.level == 13  # it was real


def test_nonsense_is_never_believed_and_said_once_when_it_persists() -> None:
    policy = BatteryPolicy()
    feed(policy, 50)
    for value in (140.0, -3.0, math.nan, None):
        events = policy.reading(GaugeReading(value))
        assert isinstance(events[0], Rejected) and events[0].reason == "nonsense"
        assert policy.level == 50
    assert policy.lost == "nonsense"
    assert len([e for e in feed(policy, 140, 140, 140) if isinstance(e, GaugeLost)]) == 0  # once
    assert feed(policy, 50) == [GaugeBack()] and policy.lost is None
    policy = BatteryPolicy()
    assert feed(policy, 99, 101.5) == [] and policy.level == 100  # just over full means full


def test_a_gauge_that_stops_answering_is_said_once() -> None:
    policy = BatteryPolicy()
    feed(policy, 50)
    events = [e for _ in range(6) for e in policy.failed("I2C error 121")]
    assert events == [GaugeLost("not_answering", "I2C error 121")]
    assert policy.lost == "not_answering"
    assert feed(policy, 49) == [GaugeBack()]


def test_shutting_down_needs_consistent_low_readings() -> None:
    policy = BatteryPolicy()
    feed(policy, 6, 5, 4)
    assert feed(policy, 3, 3) == []
    policy.failed("a glitch")  # not answering breaks the run
    assert feed(policy, 3, 2.9) == []
    assert feed(policy, 4) == []  # neither does one reading above
    assert feed(policy, 3, 3) == []
    [critical] = feed(policy, 2.8)
    assert critical == Critical("battery", 3, None)
    assert feed(policy, 2, 1, 0) == []  # said once


def test_one_odd_reading_never_shuts_the_vest_down() -> None:
    policy = BatteryPolicy()
    feed(policy, 50, 50)
    for _ in range(5):
        assert not any(isinstance(e, Critical) for e in feed(policy, 0, 50))
    for _ in range(5):
        assert not any(isinstance(e, Critical) for e in feed(policy, -1, 50))


def test_on_the_charger_a_low_battery_never_shuts_down() -> None:
    policy = BatteryPolicy()
    assert feed(policy, 2, 2, 2, 2, plugged=True) == []


def test_a_sagging_cell_or_a_failing_supply_shuts_down_too() -> None:
    policy = BatteryPolicy()
    events = [e for _ in range(3) for e in policy.reading(GaugeReading(30, 3.15, False))]
    assert events == [Critical("battery", 30, 3.15)]
    policy = BatteryPolicy()
    assert feed(policy, 40, 40, 40, under_voltage=True) == []  # well charged: a weak cable
    assert warnings(feed(policy, 19, 19)) == [(0, 19)]  # a jump: believed when confirmed
    assert feed(policy, 19, 19, under_voltage=True) == []
    assert feed(policy, 19, under_voltage=True) == [Critical("supply", 19, None)]
    policy = BatteryPolicy()
    feed(policy, 19, 19, 19, 19, plugged=None, under_voltage=True)  # on battery? not known
    assert not any(isinstance(e, Critical) for e in feed(policy, 19, plugged=None))


def test_the_drain_is_measured_before_the_time_left_is_said() -> None:
    drain = DrainEstimate()
    # 12 % an hour: a reading a minute, 0.2 % each, with a little noise.
    for minute in range(0, 9):
        drain.add(minute * 60.0, 60 - 0.2 * minute + (0.05 if minute % 2 else 0), True)
    assert drain.percent_per_hour() is None  # 8 minutes: too soon
    for minute in range(9, 16):
        drain.add(minute * 60.0, 60 - 0.2 * minute, True)
    rate = drain.percent_per_hour()
    assert rate is not None and 11 < rate < 13
    left = drain.seconds_left(57.0, 3.0)
    assert left is not None and abs(left / 3600 - 54 / 12) < 0.5
    drain.add(20 * 60.0, 57, discharging=False)  # the charger: start afresh
    assert drain.percent_per_hour() is None


def test_a_steady_level_gives_no_estimate() -> None:
    drain = DrainEstimate()
    for minute in range(30):
        drain.add(minute * 60.0, 80.0, True)
    assert drain.seconds_left(80, 3) is None


@pytest.mark.parametrize(
    ("language", "seconds", "words"),
    [
        ("en", 38 * 60, "40 minutes"),
        ("en", 2 * 60, "5 minutes"),
        ("en", 60 * 60, "1 hour"),
        ("en", 92 * 60, "1 hour 30 minutes"),
        ("en", 5.2 * 3600, "5 hours"),
        ("ru", 2 * 3600, "2 часа"),
        ("ru", 5 * 3600, "5 часов"),
        ("ru", 21 * 60, "20 минут"),
        ("ru", 75 * 60, "1 час 15 минут"),
    ],
)
def test_time_left_is_said_as_precisely_as_it_is_known(
    language: str, seconds: float, words: str
) -> None:
    assert time_left_words(Phrases(language), seconds) == words
