"""What a stimulus caused, measured the same way on every target, and written to the report.

`Observed` gathers, from one moment (a press, a pad going away, a killed worker) to another:
what was said (the journal's ``speech.queued``, earcons aside), what was felt (``haptic``
records and the motor line's pulses) and what was heard (sound on the speaker line). Latencies
come from the bench's own instruments where it has them: the first motor pulse and the first
sound after the stimulus, on the bench clock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tests.hil.haptic_trace import Pulse, describe, first_pulse_after, matches
from tests.hil.report import ScenarioRecord
from tests.hil.target import HeardSound, VestTarget
from vestsight.journal import Record

SANITY_S = 5.0
"""A generous bound for press → haptic and press → first audio of the fast path: latencies are
measured and reported, never asserted tightly (a shared CI machine is not a Pi)."""


@dataclass
class Observed:
    since: float
    until: float
    records: list[Record]
    pulses: list[Pulse]
    sounds: list[HeardSound]
    spoken: list[str] = field(default_factory=list)
    felt: list[str] = field(default_factory=list)

    def first(self, name: str, **fields: object) -> Record | None:
        return next(
            (
                r
                for r in self.records
                if r["event"] == name and all(r.get(k) == v for k, v in fields.items())
            ),
            None,
        )

    @property
    def first_pulse(self) -> Pulse | None:
        return first_pulse_after(self.pulses, self.since)

    @property
    def first_sound(self) -> HeardSound | None:
        return next((s for s in self.sounds if s.start >= self.since), None)

    def felt_as(self, pattern: str) -> bool:
        """The motor line carried `pattern` from the first pulse after the stimulus."""
        return any(
            matches(self.pulses[index:], pattern)
            for index, pulse in enumerate(self.pulses)
            if pulse.start >= self.since
        )

    def to_haptic(self) -> float | None:
        pulse = self.first_pulse
        return None if pulse is None else pulse.start - self.since

    def to_audio(self) -> float | None:
        sound = self.first_sound
        return None if sound is None else sound.start - self.since


async def observe(target: VestTarget, since: float, until: float | None = None) -> Observed:
    """Everything from `since` to `until` (now, if not given)."""
    until = time.monotonic() if until is None else until
    records = [r for r in target.client.history if since <= r["mono"] <= until]
    observed = Observed(
        since,
        until,
        records,
        [p for p in target.motor_pulses(since) if p.start <= until],
        await target.sounds(since, until),
    )
    observed.spoken = [
        r["text"] for r in records if r["event"] == "speech.queued" and r["source"] != "earcon"
    ]
    observed.felt = [r["pattern"] for r in records if r["event"] == "haptic" and r["felt"]]
    return observed


def note(scenario: ScenarioRecord, observed: Observed, prefix: str = "press") -> None:
    """Add what was observed to the report, latencies named `prefix → ...`."""
    scenario.spoken += observed.spoken
    scenario.felt += observed.felt
    scenario.pulses += describe(observed.pulses, observed.since)
    scenario.audio += [
        {"at_s": round(s.start - observed.since, 4), "seconds": round(s.end - s.start, 3),
         "rms_dbfs": s.rms_dbfs, "text": s.text}
        for s in observed.sounds
    ]  # fmt: skip
    scenario.latency(f"{prefix} → haptic", observed.to_haptic())
    scenario.latency(f"{prefix} → first audio", observed.to_audio())
