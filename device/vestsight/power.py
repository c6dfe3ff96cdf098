"""The power monitor: reads the battery gauge, warns in time, and starts the safe shutdown.

Every ``[power] check_s`` (or at once, when the control socket's ``battery`` command asks) the
gauge is read on the monitor's own thread, within `READ_TIMEOUT_S`; the reading is judged by
`battery.policy` and the time left estimated from the measured drain (`battery.estimate`). Then:

- a warning at each of the three levels, with rising urgency: the first in words with the
  battery buzz, the second urgent, the last urgent with the critical buzz; each once per
  discharge;
- "Charging" when the charger goes in, "Charger disconnected" when it comes out;
- a gauge that stops answering, or reports nonsense, is said once ("Battery level unknown");
- at the critical level `on_critical` (`vestsight.shutdown`) says so, saves and powers off.

A vest without a gauge (a plain power bank) says once that its battery level is unknown. Each
believed reading whose whole percent or charger state changed is journalled as ``power.battery``,
with the measured drain: the bench's numbers for the power budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from .aio import wait_within
from .battery import BatteryGauge, BatteryStatus, GaugeReading, SimulatedBattery
from .battery.estimate import DrainEstimate
from .battery.policy import (
    BatteryPolicy,
    Critical,
    Event,
    GaugeBack,
    GaugeLost,
    PowerLost,
    PowerReturned,
    Rejected,
    Thresholds,
    Warn,
)
from .errors import BatteryError, InputError
from .feedback import WearerFeedback
from .settings import PowerSettings
from .speech import earcons
from .speech.speaker import Priority
from .supervisor import Service
from .system_status import SystemStatus, read_status

_LOGGER = logging.getLogger(__name__)

READ_TIMEOUT_S = 5.0
"""A gauge that has not answered in this time counts as not answering."""
WARNINGS = (
    ("low_battery", "battery", Priority.NORMAL),
    ("battery_very_low", "battery", Priority.URGENT),
    ("battery_critical", "battery_critical", Priority.URGENT),
)
"""Phrase, haptic pattern and priority of each warning level, in rising urgency."""
MAX_CHECKS = 20


class PowerMonitor(Service):
    name = "power"

    def __init__(
        self,
        feedback: WearerFeedback,
        settings: PowerSettings,
        gauge: BatteryGauge,
        on_critical: Callable[[Critical], None],
        *,
        clock: Callable[[], float] = time.monotonic,
        system: Callable[[], SystemStatus] = read_status,
        read_timeout_s: float = READ_TIMEOUT_S,
    ) -> None:
        super().__init__()
        self._feedback = feedback
        self.gauge = gauge
        self._settings = settings
        self._on_critical = on_critical
        self._clock = clock
        self._system = system
        self._read_timeout_s = read_timeout_s
        self.policy = BatteryPolicy(
            Thresholds(
                warnings=settings.warnings,
                shutdown_percent=settings.shutdown_percent,
                shutdown_volts=settings.shutdown_volts,
                confirm=settings.confirm_readings,
                max_jump=settings.max_jump_percent,
            )
        )
        self.drain = DrainEstimate()
        self._wake = asyncio.Event()
        self._due = 0
        """Readings to take now, one after another (the one under way included)."""
        self._asked: set[int] = set()
        """Values of `checks` at which a ``battery`` request's readings are all done."""
        self._executor: ThreadPoolExecutor | None = None
        self._pending: Future[tuple[GaugeReading, bool]] | None = None
        self._opened = False
        self._journalled: tuple[int, bool | None] | None = None
        self._rejections = 0
        self.checks = 0
        """Readings tried since start (the bench and tests wait on it: `until_checked`)."""
        self._checked = asyncio.Event()

    def status(self) -> BatteryStatus:
        """The battery as `status` says it."""
        if not self.gauge.reports_level:
            return BatteryStatus(problem="no_gauge")
        policy = self.policy
        if policy.lost is not None:  # whether the charger is in came from the gauge too
            return BatteryStatus(problem=policy.lost)
        if policy.level is None:
            return BatteryStatus(plugged=policy.plugged)
        left = None
        if policy.plugged is not True:
            left = self.drain.seconds_left(policy.level, self._settings.shutdown_percent)
        return BatteryStatus(round(policy.level), policy.plugged, left, policy.volts)

    def simulate(self, request: dict[str, Any]) -> dict[str, Any]:
        """The control socket's ``battery``: set the simulated battery, then read it ``checks``
        times (1 unless said) at once, as the monitor would every check_s.

        Answers the battery's new state and ``until``: the value of `checks` once those readings
        are all taken (each began after the change), journalled then as ``power.checked``.
        """
        gauge = self.gauge
        if not isinstance(gauge, SimulatedBattery):
            raise InputError(
                f"the battery is {gauge.description}, not simulated",
                advice='[power] backend = "simulated"',
            )
        checks = request.get("checks", 1)
        if isinstance(checks, bool) or not isinstance(checks, int) or not 0 <= checks <= MAX_CHECKS:
            raise InputError(f"battery: checks must be a whole number from 0 to {MAX_CHECKS}")
        state = gauge.set(request)
        self._due += checks
        until = self.checks + self._due
        if checks:
            self._asked.add(until)
            self._wake.set()
        return {"battery": state, "until": until}

    async def run(self) -> None:
        if not self.gauge.reports_level:
            _LOGGER.warning("No battery gauge: the battery level cannot be told")
            self._feedback.tell(
                "power.no_gauge", say="battery_unknown", source="power", backend=self.gauge.name
            )
            self.ready.set()
            await asyncio.Future()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="battery")
        _LOGGER.info("Power monitor reading %s every %.0f s", self.gauge.description,
                     self._settings.check_s)  # fmt: skip
        self.ready.set()
        try:
            while True:
                self._due = max(1, self._due)
                while self._due:
                    await self.check()
                    self._due -= 1
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await wait_within(self._wake.wait(), self._settings.check_s)
        finally:
            executor, self._executor = self._executor, None
            executor.submit(self.gauge.close)
            executor.shutdown(wait=False, cancel_futures=False)
            self._opened = False

    async def check(self) -> None:
        """Read the gauge once (within READ_TIMEOUT_S) and act on what it said."""
        assert self._executor is not None, "run() first"
        if self._pending is not None and not self._pending.done():
            events = self.policy.failed("the gauge's last reading has not come back")
        else:
            self._pending = pending = self._executor.submit(self._read)
            try:
                reading, under_voltage = await wait_within(
                    asyncio.wrap_future(pending), self._read_timeout_s
                )
            except TimeoutError:
                events = self.policy.failed(f"no answer within {self._read_timeout_s:g} s")
            except BatteryError as err:
                events = self.policy.failed(str(err))
            else:
                events = self.policy.reading(reading, under_voltage)
                if not any(isinstance(e, Rejected) for e in events):
                    self._believed()
        for event in events:
            self._act(event)
        self.checks += 1
        self._checked.set()
        if self.checks in self._asked:
            self._asked.discard(self.checks)
            self._feedback.journal.publish("power.checked", checks=self.checks)

    async def until_checked(self, count: int) -> None:
        """Wait until `count` readings have been tried since the monitor started."""
        while self.checks < count:
            self._checked.clear()
            await self._checked.wait()

    def _read(self) -> tuple[GaugeReading, bool]:
        """On the battery thread: the gauge, and whether the Pi sees its supply too low."""
        if not self._opened:
            self.gauge.open()
            self._opened = True
        reading = self.gauge.read()
        return reading, self._system().under_voltage

    def _believed(self) -> None:
        policy = self.policy
        assert policy.level is not None
        self.drain.add(self._clock(), policy.level, discharging=policy.plugged is not True)
        self._rejections = 0
        key = (round(policy.level), policy.plugged)
        if key == self._journalled:
            return
        self._journalled = key
        rate = self.drain.percent_per_hour()
        self._feedback.journal.publish(
            "power.battery", percent=round(policy.level, 1), volts=policy.volts,
            plugged=policy.plugged, drain_per_hour=None if rate is None else round(rate, 2),
            seconds_left=self.status().seconds_left,
        )  # fmt: skip

    def _act(self, event: Event) -> None:
        tell = self._feedback.tell
        if isinstance(event, Warn):
            key, pattern, priority = WARNINGS[min(event.level, len(WARNINGS) - 1)]
            _LOGGER.warning("Battery low: %d %%", event.percent)
            tell("power.warning", feel=pattern, level=event.level, percent=event.percent)
            speaker = self._feedback.speaker
            speaker.play_sound(
                earcons.render("low_battery", speaker.voice.volume),
                "low battery",
                priority=priority,
            )
            tell(say=key, values={"percent": event.percent}, priority=priority, source="power")
        elif isinstance(event, PowerReturned):
            self.drain.reset()
            tell(
                "power.charging",
                feel="connected",
                say="battery_charging",
                values={"percent": event.percent},
                source="power",
                percent=event.percent,
            )
        elif isinstance(event, PowerLost):
            tell(
                "power.unplugged",
                feel="disconnected",
                say="battery_unplugged",
                values={"percent": event.percent},
                source="power",
                percent=event.percent,
            )
        elif isinstance(event, GaugeLost):
            _LOGGER.error("Battery level unknown (%s): %s", event.reason, event.detail)
            tell(
                "power.gauge_lost",
                feel="error",
                say="battery_gauge_lost",
                source="power",
                reason=event.reason,
                detail=event.detail,
            )
        elif isinstance(event, GaugeBack):
            _LOGGER.info("The battery gauge answers again")
            tell("power.gauge_back")
        elif isinstance(event, Rejected):
            self._rejections += 1
            log = _LOGGER.warning if self._rejections == 1 else _LOGGER.debug
            log("Battery reading not believed (%s): %r", event.reason, event.value)
            tell("power.rejected", value=event.value, reason=event.reason)
        elif isinstance(event, Critical):
            _LOGGER.critical(
                "Battery critical (%s): %d %%, %s V", event.reason, event.percent, event.volts
            )
            tell("power.critical", reason=event.reason, percent=event.percent, volts=event.volts)
            self._on_critical(event)
