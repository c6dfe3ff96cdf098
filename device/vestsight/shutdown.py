"""The safe shutdown: say it, save everything, power off before the battery gives out; and at
the next start, say why the vest had shut down.

`begin()` (the power monitor, at the critical level) runs once: the words (urgent, cutting in)
and the critical buzz, a note for the next start in the run folder (`MARKER`), the memory
database closed (its WAL checkpointed into the file) and the journal synced to the card, then
`SystemPower.power_off()`. When the system shuts down by itself (the Pi's power button: logind
waits for the vest), the same saving runs from `SystemPower.on_shutdown`, saying "Shutting down".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from pathlib import Path

from .aio import wait_within
from .battery import SystemPower
from .battery.policy import Critical
from .errors import MemoryStoreError, PowerOffError
from .feedback import WearerFeedback
from .memory import MemoryStore
from .speech.speaker import Priority

_LOGGER = logging.getLogger(__name__)

MARKER = "last-shutdown.json"
SAY_TIMEOUT_S = 8.0
"""Longest wait for the words to be heard before powering off."""
SAVE_TIMEOUT_S = 5.0

SAID = {"battery": "battery_shutdown", "supply": "supply_shutdown", "power_key": "shutting_down"}
NEXT_START = {"battery": "last_shutdown_battery", "supply": "last_shutdown_supply"}


class SafeShutdown:
    def __init__(
        self,
        feedback: WearerFeedback,
        memory: MemoryStore | None,
        system_power: SystemPower,
        run_dir: Path,
    ) -> None:
        self._feedback = feedback
        self._memory = memory
        self._power = system_power
        self._marker = run_dir / MARKER
        self._task: asyncio.Task[None] | None = None
        self._prepared: asyncio.Task[None] | None = None
        self.reason: str | None = None
        system_power.on_shutdown = self._system_shutting_down

    def begin(self, critical: Critical) -> None:
        """Shut the vest down for `critical` (once; later calls are ignored)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(critical), name="shutdown")

    async def _run(self, critical: Critical) -> None:
        await self._prepare(critical.reason, critical.percent)
        try:
            await self._power.power_off()
        except PowerOffError as err:
            _LOGGER.error("Could not power off: %s", err)
            self._feedback.tell(
                "power.poweroff_failed",
                feel="error",
                say="shutdown_failed",
                priority=Priority.URGENT,
                source="power",
                error=str(err),
            )

    async def _system_shutting_down(self) -> None:
        if self._task is not None:  # the vest's own power-off: said and saved already
            return
        await self._prepare("power_key", None)

    async def _prepare(self, reason: str, percent: int | None) -> None:
        if self._prepared is None:
            self._prepared = asyncio.create_task(self._say_and_save(reason, percent))
        await asyncio.shield(self._prepared)

    async def _say_and_save(self, reason: str, percent: int | None) -> None:
        wearer = self._feedback
        self.reason = reason
        _LOGGER.warning("Shutting down (%s)", reason)
        wearer.journal.publish("power.shutdown", reason=reason, percent=percent)
        wearer.speaker.stop()  # nothing else is worth hearing now
        feel = "battery_critical" if reason in NEXT_START else "disconnected"
        said = wearer.tell(feel=feel, say=SAID[reason], priority=Priority.URGENT, source="power")
        assert said is not None  # said at once, never held for "ready"
        if reason in NEXT_START:
            await asyncio.to_thread(self._write_marker, reason, percent)
        await self._save()
        with contextlib.suppress(TimeoutError):
            await wait_within(asyncio.shield(said.finished), SAY_TIMEOUT_S)
        wearer.journal.publish("power.saved", reason=reason)

    async def _save(self) -> None:
        journal, memory = self._feedback.journal, self._memory
        if memory is not None:  # closed: nothing writes to it from here on
            try:
                await wait_within(memory.close(), SAVE_TIMEOUT_S)
            except (MemoryStoreError, TimeoutError) as err:
                _LOGGER.error("Memory not closed cleanly before the shutdown: %s", err)
        if journal.path is not None:
            try:
                await wait_within(asyncio.to_thread(_sync, journal.path), SAVE_TIMEOUT_S)
            except (OSError, TimeoutError) as err:
                _LOGGER.error("Journal not synced before the shutdown: %s", err)

    def _write_marker(self, reason: str, percent: int | None) -> None:
        data = json.dumps({"reason": reason, "percent": percent, "time": time.time()})
        partial = self._marker.with_suffix(".partial")
        try:
            self._marker.parent.mkdir(parents=True, exist_ok=True)
            with partial.open("w", encoding="utf-8") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            partial.replace(self._marker)
        except OSError as err:
            _LOGGER.error("Cannot note the shutdown for the next start: %s", err)

    def last_shutdown(self) -> str | None:
        """Why the vest last shut itself down (spoken once, at this start), or None."""
        try:
            text = self._marker.read_text(encoding="utf-8")
            self._marker.unlink()
        except FileNotFoundError:
            return None
        except OSError as err:
            _LOGGER.error("Cannot read %s: %s", self._marker, err)
            return None
        try:
            reason = json.loads(text).get("reason")
        except (ValueError, AttributeError):
            reason = None
        key = NEXT_START.get(reason if isinstance(reason, str) else "", "last_shutdown_battery")
        self._feedback.journal.publish("power.last_shutdown", reason=reason)
        return self._feedback.phrases.say(key)

    async def close(self) -> None:
        """The app is stopping: let a shutdown in progress finish its part, or end it."""
        tasks = [t for t in (self._task, self._prepared) if t is not None and not t.done()]
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=SAY_TIMEOUT_S + SAVE_TIMEOUT_S)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)


def _sync(path: Path) -> None:
    """fsync a file through a descriptor of our own (the journal appends to its own)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
