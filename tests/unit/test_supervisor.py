"""The supervisor restarts failing services with backoff and tells the wearer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.conftest import TIMEOUT, event, wait_record
from vestsight.journal import Journal
from vestsight.supervisor import Backoff, Service, Supervisor


class FlakyService(Service):
    """Fails `failures` times, then stays up."""

    name = "flaky"

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.starts = 0

    async def run(self) -> None:
        self.starts += 1
        if self.starts <= self.failures:
            raise OSError(f"unplugged #{self.starts}")
        self.ready.set()
        await asyncio.Future()


class OneShot(Service):
    name = "oneshot"

    async def run(self) -> None:
        self.ready.set()


async def test_failing_service_is_restarted_with_backoff_and_announced(journal: Journal) -> None:
    told: list[tuple[str, str, int, float]] = []
    supervisor = Supervisor(
        journal,
        lambda service, error, restart, delay: told.append(
            (service.name, str(error), restart, delay)
        ),
        Backoff(delays=(0.01, 0.02, 0.03)),
    )
    service = FlakyService(failures=4)
    async with journal.subscribe() as records:
        supervisor.start(service)
        await asyncio.wait_for(service.ready.wait(), TIMEOUT)
        failed = [await wait_record(records, event("service.failed")) for _ in range(4)]
    assert service.starts == 5
    assert [r["restart"] for r in failed] == [1, 2, 3, 4]
    assert told == [
        ("flaky", "unplugged #1", 1, 0.01),
        ("flaky", "unplugged #2", 2, 0.02),
        ("flaky", "unplugged #3", 3, 0.03),
        ("flaky", "unplugged #4", 4, 0.03),
    ]
    assert supervisor.tasks["flaky"].get_name() == "flaky"
    await supervisor.stop()
    assert not service.ready.is_set()


async def test_backoff_starts_over_after_a_long_healthy_run(journal: Journal) -> None:
    backoff = Backoff(delays=(0.01, 5.0), reset_after=0.0)
    restarts: list[float] = []
    supervisor = Supervisor(journal, lambda s, e, n, delay: restarts.append(delay), backoff)
    service = FlakyService(failures=3)
    supervisor.start(service)
    await asyncio.wait_for(service.ready.wait(), TIMEOUT)
    assert restarts == [0.01, 0.01, 0.01]
    await supervisor.stop()


async def test_finished_service_is_not_restarted(journal: Journal) -> None:
    supervisor = Supervisor(journal, lambda *args: pytest.fail("no failure expected"))
    async with journal.subscribe() as records:
        task = supervisor.start(OneShot())
        await wait_record(records, event("service.finished", service="oneshot"))
    await asyncio.wait_for(task, TIMEOUT)
    await supervisor.stop()


async def test_one_name_one_task(journal: Journal) -> None:
    supervisor = Supervisor(journal, lambda *args: None)
    supervisor.start(FlakyService(0))
    with pytest.raises(ValueError, match="already supervised"):
        supervisor.start(FlakyService(0))
    await supervisor.stop()


class Stubborn(Service):
    """Holds on after being cancelled, as a service stuck in a blocking call would."""

    name = "stubborn"

    def __init__(self) -> None:
        super().__init__()
        self.let_go = asyncio.Event()

    async def run(self) -> None:
        self.ready.set()
        try:
            await asyncio.Future()
        finally:
            await self.let_go.wait()


async def test_a_service_that_will_not_stop_is_named_and_does_not_hang_the_stop(
    journal: Journal,
) -> None:
    supervisor = Supervisor(journal, lambda *args: None)
    stubborn = Stubborn()
    task = supervisor.start(stubborn)
    supervisor.start(OneShot())
    await asyncio.wait_for(stubborn.ready.wait(), TIMEOUT)
    async with journal.subscribe() as records:
        await asyncio.wait_for(supervisor.stop(within=0.2), TIMEOUT)
        stuck = await wait_record(records, event("service.stuck"))
    assert stuck["service"] == "stubborn"
    assert supervisor.tasks == {}
    stubborn.let_go.set()
    await asyncio.wait_for(asyncio.wait({task}), TIMEOUT)


async def test_a_service_becoming_ready_is_journalled_once_per_start(journal: Journal) -> None:
    supervisor = Supervisor(journal, lambda *told: None, Backoff(delays=(0.01,)))
    service = FlakyService(failures=2)
    seen: list[str] = []
    async with journal.subscribe() as records:
        supervisor.start(service)
        while not seen or seen[-1] != "service.ready":
            seen.append((await asyncio.wait_for(records.get(), TIMEOUT))["event"])
    await supervisor.stop()
    # The two starts that failed never became ready; the third did, once.
    assert seen == ["service.start", "service.failed"] * 2 + ["service.start", "service.ready"]


async def test_supervision_goes_on_when_the_journal_fails_and_ended_services_are_named(
    tmp_path: Path,
) -> None:
    told: list[str] = []
    journal = Journal(tmp_path / "journal.jsonl")
    supervisor = Supervisor(
        journal, lambda service, err, attempt, delay: told.append(str(err)), Backoff(delays=(0.01,))
    )
    flaky = FlakyService(failures=2)
    (tmp_path / "journal.jsonl").unlink()
    (tmp_path / "journal.jsonl").mkdir()  # as good as a full disk: every write fails
    journal.close()
    supervisor.start(flaky)
    await asyncio.wait_for(flaky.ready.wait(), TIMEOUT)
    assert told == ["unplugged #1", "unplugged #2"]  # restarted and told, journal or not
    assert journal.storage.problem == "unwritable"
    task = supervisor.start(OneShot())
    await asyncio.wait_for(task, TIMEOUT)
    assert supervisor.dead(["flaky", "oneshot", "never-started"]) == ["oneshot", "never-started"]
    await supervisor.stop()
