"""What the motor did, from its drive line: pulses, and which vest pattern they match.

Two recordings give the same pulses:

- levels (the simulated vest): gpiozero's mock PWM pin, a (time, duty 0..1) per change;
- edges (the bench): a digital input wired to the motor driver's input, a (time, 0 | 1) per edge.
  The vest drives the motor with 200 Hz PWM, so a weaker level is a burst of short highs: highs
  closer together than `merge_gap_s` are one pulse, and its duty is the share of time high.

Pulses are compared with the vest's own pattern table (`vestsight.gpio.haptics.PATTERNS`), with a
tolerance, since a loaded loop stretches sleeps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vestsight.gpio.haptics import PATTERNS, HapticPattern

PWM_MERGE_GAP_S = 0.012
"""Longer than a 200 Hz PWM period (5 ms), shorter than any pause in a pattern (50 ms)."""


@dataclass(frozen=True)
class Pulse:
    start: float
    end: float
    level: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Tolerance:
    absolute_s: float = 0.025
    relative: float = 0.5
    level: float = 0.3

    def close(self, measured: float, expected: float) -> bool:
        return abs(measured - expected) <= self.absolute_s + self.relative * expected


def pulses_from_levels(levels: Iterable[tuple[float, float]], end: float) -> list[Pulse]:
    """(time, level) changes, in time order, into pulses; a pulse still on is cut at `end`."""
    pulses: list[Pulse] = []
    on: tuple[float, float] | None = None
    for at, level in levels:
        if on is not None and level != on[1]:
            pulses.append(Pulse(on[0], at, on[1]))
            on = None
        if on is None and level > 0:
            on = (at, level)
    if on is not None:
        pulses.append(Pulse(on[0], max(end, on[0]), on[1]))
    return pulses


def pulses_from_edges(
    edges: Iterable[tuple[float, int]], end: float, merge_gap_s: float = PWM_MERGE_GAP_S
) -> list[Pulse]:
    """Digital (time, 0|1) edges into pulses, PWM bursts merged, duty as the level."""
    highs = [(p.start, p.end) for p in pulses_from_levels(((t, float(v)) for t, v in edges), end)]
    pulses: list[Pulse] = []
    burst: list[tuple[float, float]] = []
    for high in highs:
        if burst and high[0] - burst[-1][1] > merge_gap_s:
            pulses.append(_burst_pulse(burst))
            burst = []
        burst.append(high)
    if burst:
        pulses.append(_burst_pulse(burst))
    return pulses


def _burst_pulse(burst: list[tuple[float, float]]) -> Pulse:
    start, end = burst[0][0], burst[-1][1]
    high = sum(b - a for a, b in burst)
    if len(burst) > 1:  # the last period's low part belongs to the pulse too
        period = (burst[-1][0] - burst[0][0]) / (len(burst) - 1)
        end = max(end, burst[-1][0] + period)
    return Pulse(start, end, round(high / (end - start), 2) if end > start else 1.0)


def expected_pulses(pattern: HapticPattern, strength: float = 1.0) -> list[tuple[float, float]]:
    """A pattern's pulses as (seconds, level), one round of a repeating pattern."""
    return [(seconds, level * strength) for level, seconds in pattern.steps if level > 0]


def matches(
    pulses: Sequence[Pulse],
    pattern: HapticPattern | str,
    tolerance: Tolerance = Tolerance(),
    strength: float = 1.0,
) -> bool:
    """Do the first pulses have the pattern's lengths and levels (the last may be cut short)?"""
    if isinstance(pattern, str):
        pattern = PATTERNS[pattern]
    wanted = expected_pulses(pattern, strength)
    if len(pulses) < len(wanted):
        return False
    for pulse, (seconds, level) in zip(pulses, wanted, strict=False):
        if abs(pulse.level - level) > tolerance.level or not tolerance.close(
            pulse.seconds, seconds
        ):
            return False
    return True


def identify(pulses: Sequence[Pulse], strength: float = 1.0) -> list[str]:
    """The patterns the pulses could be, best first (the closest total length)."""
    candidates = [p for p in PATTERNS.values() if matches(pulses, p, strength=strength)]

    def distance(pattern: HapticPattern) -> float:
        wanted = expected_pulses(pattern, strength)
        return sum(abs(p.seconds - s) for p, (s, _level) in zip(pulses, wanted, strict=False))

    return [p.name for p in sorted(candidates, key=distance)]


def first_pulse_after(pulses: Sequence[Pulse], since: float) -> Pulse | None:
    return next((p for p in pulses if p.start >= since), None)


def describe(pulses: Sequence[Pulse], since: float = 0.0) -> list[dict[str, float]]:
    """Pulses for a report: start (after `since`), length, level."""
    return [
        {
            "at_s": round(p.start - since, 4),
            "seconds": round(p.seconds, 4),
            "level": round(p.level, 2),
        }
        for p in pulses
    ]
