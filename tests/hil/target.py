"""A vest under test, simulated or real, behind one interface the scenarios are written against.

Every time a target returns or a record carries (``mono``) is on the bench's monotonic clock:
the simulated vest shares it; a real vest's journal times are mapped onto it (`VestClock`).
Presses return the time just before the stimulus (the finger), so press → haptic and press →
first audio include everything the wearer would wait for.
"""

from __future__ import annotations

import abc
import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import TIMEOUT, event
from tests.hil.haptic_trace import Pulse
from tests.integration.vest import VestClient
from vestsight.journal import Record

StartHook = Callable[[Record], Awaitable[None]]
"""Called with each journal record while the vest starts (e.g. to freeze its model worker)."""


class VestClock:
    """Maps a vest's journal times onto the bench clock.

    The same clock (simulated vest): nothing to do. Another machine: `BenchClient.sync_clock`
    asks the vest's clock (the control socket's ``clock``) and keeps the sample with the shortest
    round trip, whose midpoint is off by at most half that trip. Until then, and as a floor, the
    offset is the smallest (bench receive time - vest time) seen, which is the true offset plus
    the link's fastest one-way delay.
    """

    def __init__(self, same_clock: bool) -> None:
        self.same_clock = same_clock
        self.offset: float | None = 0.0 if same_clock else None

    def to_bench(self, record: Record) -> Record:
        if self.same_clock or "mono" not in record:
            return record
        sample = time.monotonic() - record["mono"]
        self.offset = sample if self.offset is None else min(self.offset, sample)
        return {**record, "vest_mono": record["mono"], "mono": record["mono"] + self.offset}


class BenchClient(VestClient):
    """A control-socket client whose records are on the bench clock."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, clock: VestClock
    ) -> None:
        self.clock = clock
        self._keys: set[tuple[str, float]] = set()
        super().__init__(reader, writer)

    async def add(self, record: Record) -> None:
        record = self.clock.to_bench(record)
        if _key(record) not in self._keys:
            self._keys.add(_key(record))
            await super().add(record)

    async def sync_clock(self, samples: int = 8) -> None:
        """Set the clock offset from the vest's own clock (best round trip of `samples`)."""
        if self.clock.same_clock:
            return
        best: tuple[float, float] | None = None
        for _ in range(samples):
            sent = time.monotonic()
            reply = await self.request(cmd="clock")
            received = time.monotonic()
            if not reply.get("ok"):
                return  # an older vest without "clock": keep the estimate from the records
            trip = received - sent
            if best is None or trip < best[0]:
                best = (trip, (sent + received) / 2 - float(reply["mono"]))
        if best is not None:
            self.clock.offset = best[1]

    def seed(self, records: list[Record]) -> None:
        """Add records seen before this client subscribed (the vest starting), in time order."""
        new = [r for r in records if _key(r) not in self._keys]
        self._keys.update(_key(r) for r in new)
        self.history[:] = sorted([*self.history, *new], key=lambda r: r["mono"])

    async def status(self) -> dict[str, Any]:
        reply = await self.request(cmd="status")
        assert reply["ok"], reply
        return dict(reply["status"])

    async def until_status(
        self, predicate: Callable[[dict[str, Any]], bool], within: float = TIMEOUT
    ) -> dict[str, Any]:
        """Ask for the status again after each journal record until `predicate` holds."""

        async def check() -> dict[str, Any]:
            while True:
                seen = len(self.history)
                status = await self.status()
                if predicate(status):
                    return status
                await self.expect(lambda _r, seen=seen: len(self.history) > seen)

        return await asyncio.wait_for(check(), within)


def _key(record: Record) -> tuple[str, float]:
    return record["event"], record.get("vest_mono", record["mono"])


@dataclass(frozen=True)
class HeardSound:
    """A stretch of sound the vest made, on the bench clock."""

    start: float
    end: float
    rms_dbfs: float
    text: str = ""
    """What it said, when known (the simulated vest's speech file names its sentence)."""


@dataclass
class PowerOn:
    """One start of the vest, from the power (or service start) to "ready"."""

    started: float
    ready: Record
    records: list[Record] = field(default_factory=list)


class VestTarget(abc.ABC):
    """What a scenario can do to a vest and observe of it."""

    name: str
    client: BenchClient
    button_source_names = ("gamepad", "gpio")

    @abc.abstractmethod
    async def power_on(self, hook: StartHook | None = None) -> PowerOn:
        """(Re)start the vest and wait until it says it is ready; the model may still load."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def press(self, button: str, source: str) -> float: ...

    @abc.abstractmethod
    async def release(self, button: str, source: str) -> float: ...

    async def tap(self, button: str, source: str = "gamepad") -> float:
        pressed = await self.press(button, source)
        await self.client.expect(event("input", button=button, action="press"), pressed)
        await self.release(button, source)
        return pressed

    async def hold(self, button: str, source: str = "gamepad") -> float:
        """Press, wait until the vest takes it as a long press, let go."""
        pressed = await self.press(button, source)
        await self.client.expect(event("input.held", button=button), pressed)
        await self.release(button, source)
        return pressed

    @abc.abstractmethod
    def motor_pulses(self, since: float) -> list[Pulse]:
        """What the motor line did since `since`."""

    @abc.abstractmethod
    async def sounds(self, since: float, until: float) -> list[HeardSound]:
        """What came out of the speaker between `since` and `until`."""

    @abc.abstractmethod
    async def pad_off(self) -> float:
        """The gamepad goes away (sleeps, battery out); returns when."""

    @abc.abstractmethod
    async def pad_on(self) -> float: ...

    @abc.abstractmethod
    async def signal_worker(self, signal_number: int, pid: int | None = None) -> int:
        """Send a signal to the model worker process (the running one, or `pid`); its pid."""

    async def sound_cut(self, pressed: float, utterance: Record) -> float | None:
        """When the speaker fell silent after `pressed` cut `utterance` (its speech.start).

        From the journal here; a target with a microphone on the speaker line hears it.
        """
        end = await self.client.expect(event("speech.end", id=utterance["id"]), pressed)
        return float(end["mono"]) if end["outcome"] == "interrupted" else None

    @abc.abstractmethod
    async def unplug_camera(self) -> float: ...

    @abc.abstractmethod
    async def replug_camera(self) -> float: ...

    @abc.abstractmethod
    async def show_scene(self, photo: Path) -> None:
        """Put this picture in front of the camera."""

    async def wait_model(self, within: float) -> dict[str, Any]:
        return await self.client.until_status(
            lambda s: s["llm"] in ("ready", "failed", "off"), within
        )

    async def motor_idle(self) -> None:
        """Wait until the last pattern started has ended (or was stopped)."""
        history = self.client.history
        started = next((r for r in reversed(history) if r["event"] == "haptic"), None)
        if started is None or not started["felt"]:
            return
        pattern = started["pattern"]
        if pattern == "thinking":  # repeats until the work it shows ends
            return
        await self.client.expect(event("haptic.end", pattern=pattern), started["mono"])

    async def quiet(self) -> None:
        """Stop whatever the vest is doing (menus included); wait until it is silent and still."""
        for _attempt in range(4):
            status = await self.client.status()
            if not status["speaking"] and status["command"] is None:
                await self.motor_idle()
                return
            pressed = await self.tap("b")
            await self.client.expect(
                lambda r: (
                    (r["event"] == "command.done" and r["command"] == "stop")
                    or r["event"] == "menu.closed"
                ),
                pressed,
            )
            await self.client.until_status(lambda s: not s["speaking"])
        raise AssertionError("the vest would not fall silent")
