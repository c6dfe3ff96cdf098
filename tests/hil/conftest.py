"""The bench: which vest the scenarios run against, the lock, and the run report.

``--hil-target=sim`` (the default, as in CI) starts the simulated vest in the test's loop;
``--hil-target=pi`` drives a real vest on the bench and needs the bench's environment
(`tests/hil/bench_settings.py`, `hardware/BENCH.md`); without it every scenario is skipped
with the reason. One vest serves every scenario of tests/hil; scenarios that restart it say so.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.hil.report import BenchReport, ScenarioRecord, bench_home
from tests.hil.scenes import SCENES
from tests.hil.target import VestTarget
from tests.integration.llm_harness import LOAD_TIMEOUT

TARGETS = ("sim", "pi")
REPORT_KEY = pytest.StashKey[BenchReport]()
PHASE_KEY = pytest.StashKey[dict[str, pytest.TestReport]]()
TARGET_KEY = pytest.StashKey[VestTarget]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hil", "hardware-in-the-loop bench (tests/hil)")
    group.addoption(
        "--hil-target",
        choices=TARGETS,
        default=None,
        help="sim: the simulated vest (default); pi: a real vest on the bench",
    )
    group.addoption(
        "--hil-report-dir",
        default=None,
        help="folder for this run's report (default: a temporary folder for sim, "
        "~/.local/share/vestsight-bench/runs for pi)",
    )


def target_name(config: pytest.Config) -> str:
    # getoption with a default: the option exists only when this conftest loads at start-up
    # (pytest tests/hil ...); a whole-suite run collects it later and uses the default.
    return str(config.getoption("--hil-target", default=None) or "sim")


def report_folder(config: pytest.Config, target: str, tmp: pytest.TempPathFactory) -> Path:
    chosen = config.getoption("--hil-report-dir", default=None)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    if chosen:
        return Path(chosen).expanduser() / f"{stamp}-{target}"
    if target == "sim":
        return tmp.mktemp("hil-report")
    return bench_home() / "runs" / f"{stamp}-{target}"


@pytest.fixture(scope="package")
def bench_report(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BenchReport]:
    target = target_name(request.config)
    report = BenchReport(target, report_folder(request.config, target, tmp_path_factory))
    request.config.stash[REPORT_KEY] = report
    yield report
    if report.scenarios:  # a run skipped whole (real target not set up) leaves nothing behind
        report.write()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    item.stash.setdefault(PHASE_KEY, {})[report.when] = report
    return report


@pytest.fixture
def scenario(request: pytest.FixtureRequest, bench_report: BenchReport) -> Iterator[ScenarioRecord]:
    """This scenario's page of the report; its outcome is filled in when it ends."""
    record = bench_report.scenario(request.node.nodeid)
    started = time.monotonic()
    yield record
    record.seconds = round(time.monotonic() - started, 2)
    phases = request.node.stash.get(PHASE_KEY, {})
    failed = [r for r in phases.values() if r.failed]
    skipped = [r for r in phases.values() if r.skipped]
    record.outcome = "failed" if failed else "skipped" if skipped else "passed"
    vest = request.config.stash.get(TARGET_KEY, None)
    if failed and vest is not None and not record.spoken:
        _what_the_journal_saw(record, vest, started)


def _what_the_journal_saw(record: ScenarioRecord, vest: VestTarget, since: float) -> None:
    """A failed scenario still tells the bench engineer what the vest said and did."""
    try:
        history = vest.client.history
    except AttributeError:  # never connected
        return
    seen = [r for r in history if r["mono"] >= since]
    record.spoken += [
        r["text"] for r in seen if r["event"] == "speech.queued" and r["source"] != "earcon"
    ]
    record.felt += [r["pattern"] for r in seen if r["event"] == "haptic" and r["felt"]]
    events = [r["event"] for r in seen]
    record.notes.append(f"failed; journal since its start: {', '.join(events[-40:]) or 'nothing'}")


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def target(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    bench_report: BenchReport,
) -> AsyncIterator[VestTarget]:
    """The vest under test, powered on once for tests/hil (and stopped when they are done)."""
    name = target_name(request.config)
    if name == "pi":
        from tests.hil.pi_target import pi_target

        async with pi_target(bench_report) as vest:
            request.config.stash[TARGET_KEY] = vest
            await vest.wait_model(LOAD_TIMEOUT)
            yield vest
        return
    from tests.hil.sim_target import SimTarget

    vest = SimTarget(tmp_path_factory.mktemp("hil-sim"), SCENES["astronaut"].photo)
    bench_report.context["target"] = "simulated vest (espeak-ng WAV, MockFactory, Gemma 3 270M)"
    request.config.stash[TARGET_KEY] = vest
    try:
        await vest.power_on()
        await vest.wait_model(LOAD_TIMEOUT)
        yield vest
    finally:
        await vest.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    report = terminalreporter.config.stash.get(REPORT_KEY, None)
    if report is not None and (report.folder / "report.json").exists():
        terminalreporter.write_line(f"bench report: {report.folder}/summary.txt")
