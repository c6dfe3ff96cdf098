"""Supervisor: each device is a long-lived named task; one that fails is restarted with backoff.

A service's `run()` sets `ready` once it is usable and then runs until cancelled. If it raises,
the supervisor logs the traceback, tells the wearer through `on_failure` and starts it again after
the next delay of the backoff table. A service that stayed up for `reset_after` seconds starts
again from the first delay.

Supervision itself never stops on a fault of its own: what it journals and whom it tells may
fail (a full disk, a bug), and the service is still restarted; the app's watchdog check
(`alive`) sees any supervised task that ended anyway.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .journal import Journal

_LOGGER = logging.getLogger(__name__)

STOP_TIMEOUT_S = 10.0
"""A service still running this long after being cancelled is logged and left behind."""


class Service(abc.ABC):
    """A long-lived part of the vest run by the supervisor."""

    name: str = "service"
    """Task name, used in logs and the journal; what the wearer hears when it fails is the
    language file's [services] entry of this name."""

    def __init__(self) -> None:
        self.ready = asyncio.Event()

    @abc.abstractmethod
    async def run(self) -> None:
        """Open the device, set `ready`, serve until cancelled; raise on failure."""


@dataclass(frozen=True)
class Backoff:
    delays: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
    """Seconds to wait before restart number 1, 2, 3...; the last one repeats."""
    reset_after: float = 60.0
    """A service that ran this long before failing starts again from the first delay."""

    def delay(self, attempt: int) -> float:
        return self.delays[min(attempt, len(self.delays) - 1)]


FailureHandler = Callable[[Service, BaseException, int, float], None]
"""Called with the service, its error, the restart number (1, 2, ...) and the delay."""


class Supervisor:
    def __init__(
        self,
        journal: Journal,
        on_failure: FailureHandler,
        backoff: Backoff | None = None,
    ) -> None:
        self._journal = journal
        self._on_failure = on_failure
        self._backoff = backoff or Backoff()
        self._tasks: dict[str, asyncio.Task[None]] = {}

    @property
    def tasks(self) -> dict[str, asyncio.Task[None]]:
        return dict(self._tasks)

    def start(self, service: Service) -> asyncio.Task[None]:
        if service.name in self._tasks:
            raise ValueError(f"service {service.name} is already supervised")
        task = asyncio.create_task(self._keep_running(service), name=service.name)
        self._tasks[service.name] = task
        return task

    async def _keep_running(self, service: Service) -> None:
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            started = loop.time()
            self._note("service.start", service=service.name)
            announce = asyncio.create_task(self._announce_ready(service))
            try:
                await service.run()
            except asyncio.CancelledError:
                service.ready.clear()
                raise
            except Exception as err:
                service.ready.clear()
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    # It failed while being stopped (say, in its cleanup): the stop still wins.
                    _LOGGER.warning("Service %s failed while stopping: %r", service.name, err)
                    raise asyncio.CancelledError from err
                if loop.time() - started >= self._backoff.reset_after:
                    attempt = 0
                delay = self._backoff.delay(attempt)
                attempt += 1
                _LOGGER.exception(
                    "Service %s failed (restart %d in %.1f s)", service.name, attempt, delay
                )
                self._note(
                    "service.failed",
                    service=service.name,
                    error=str(err),
                    restart=attempt,
                    delay=delay,
                )
                try:
                    self._on_failure(service, err, attempt, delay)
                except Exception:
                    _LOGGER.exception("Could not announce the failure of %s", service.name)
                await asyncio.sleep(delay)
                continue
            finally:
                announce.cancel()
            service.ready.clear()
            _LOGGER.info("Service %s finished", service.name)
            self._note("service.finished", service=service.name)
            return

    async def _announce_ready(self, service: Service) -> None:
        """Journal ``service.ready`` when the service says it is working (each start)."""
        await service.ready.wait()
        self._note("service.ready", service=service.name)

    def _note(self, event: str, **fields: object) -> None:
        """Journal `event`; a journal that fails is logged and supervision goes on."""
        try:
            self._journal.publish(event, **fields)
        except Exception:  # a restart must never be lost to a journal fault
            _LOGGER.exception("Could not journal %s", event)

    def dead(self, names: Iterable[str]) -> list[str]:
        """Which of the services `names` are no longer supervised (their task ended)."""
        return [name for name in names if (task := self._tasks.get(name)) is None or task.done()]

    async def stop(self, within: float = STOP_TIMEOUT_S) -> None:
        """Cancel every service and wait for them; one that will not stop is named, not awaited."""
        tasks, self._tasks = self._tasks, {}
        for task in tasks.values():
            task.cancel()
        if not tasks:
            return
        _done, stuck = await asyncio.wait(tasks.values(), timeout=within)
        for name, task in tasks.items():
            if task in stuck:
                stack = task.get_stack()
                frames = "".join(traceback.format_stack(stack[-1])) if stack else "(no frame)"
                _LOGGER.error(
                    "Service %s did not stop within %.0f s, at:\n%s", name, within, frames
                )
                self._journal.publish("service.stuck", service=name)
            elif not task.cancelled() and (error := task.exception()) is not None:
                _LOGGER.error("Service %s ended with %r", name, error)
