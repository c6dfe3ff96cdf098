"""Time left on the battery, from the drain measured while it discharges.

The levels believed during the last `window_s` of one discharge are fitted with a straight line
(least squares: a gauge's 1/256-percent steps and a description's burst of load average out). No
estimate until the readings span `min_span_s` and the level has fallen `min_drop` points: a guess
from two minutes of idle would promise hours that one description takes away.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from ..phrases import Phrases


@dataclass
class DrainEstimate:
    window_s: float = 1800.0
    min_span_s: float = 600.0
    min_drop: float = 2.0
    _samples: deque[tuple[float, float]] = field(default_factory=deque)

    def add(self, at: float, percent: float, discharging: bool) -> None:
        """A believed level at monotonic time `at`; a charge (or a rise) starts afresh."""
        if not discharging or (self._samples and percent > self._samples[-1][1] + 1.0):
            self._samples.clear()
            if not discharging:
                return
        self._samples.append((at, percent))
        while self._samples and self._samples[0][0] < at - self.window_s:
            self._samples.popleft()

    def reset(self) -> None:
        self._samples.clear()

    def percent_per_hour(self) -> float | None:
        """The measured drain (positive), or None while it cannot be told yet."""
        samples = self._samples
        if len(samples) < 3 or samples[-1][0] - samples[0][0] < self.min_span_s:
            return None
        if samples[0][1] - samples[-1][1] < self.min_drop:
            return None
        n = len(samples)
        mean_t = sum(t for t, _ in samples) / n
        mean_p = sum(p for _, p in samples) / n
        spread = sum((t - mean_t) ** 2 for t, _ in samples)
        slope = sum((t - mean_t) * (p - mean_p) for t, p in samples) / spread
        return -slope * 3600 if slope < 0 else None

    def seconds_left(self, percent: float, empty_at: float) -> float | None:
        """Seconds until the level reaches `empty_at` (where the vest shuts down)."""
        rate = self.percent_per_hour()
        if rate is None:
            return None
        return max(0.0, percent - empty_at) / rate * 3600


def time_left_words(phrases: Phrases, seconds: float) -> str:
    """Like "40 minutes", "1 hour 30 minutes", "5 hours": as precise as a drain estimate is."""
    minutes = seconds / 60
    if minutes < 60:
        n = max(5, round(minutes / 5) * 5)
        return _amount(phrases, n, "minute")
    if minutes < 180:
        quarters = round(minutes / 15)
        hours, rest = divmod(quarters * 15, 60)
        if rest == 0:
            return _amount(phrases, hours, "hour")
        return phrases.word("time_left", "both").format(
            hours=_amount(phrases, hours, "hour"), minutes=_amount(phrases, rest, "minute")
        )
    return _amount(phrases, round(minutes / 60), "hour")


def _amount(phrases: Phrases, n: int, unit: str) -> str:
    forms = phrases.word("time_left", unit)
    return phrases.word("time_left", "amount").format(n=n, unit=phrases.plural(n, forms))
