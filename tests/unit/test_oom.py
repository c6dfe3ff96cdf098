"""Telling a worker killed for memory from one that died otherwise (llm/oom.py)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from vestsight.llm.oom import OomWitness, memory_events_path, oom_kills

EVENTS = "low 0\nhigh 0\nmax 3\noom {n}\noom_kill {n}\noom_group_kill 0\n"


def test_a_sigkill_is_out_of_memory_whatever_the_cgroup_says() -> None:
    witness = OomWitness(Path("/nonexistent/memory.events"))
    witness.started()
    assert witness.killed_for_memory(-signal.SIGKILL)
    assert not witness.killed_for_memory(1)
    assert not witness.killed_for_memory(-signal.SIGSEGV)


def test_a_rising_oom_kill_count_is_out_of_memory(tmp_path: Path) -> None:
    events = tmp_path / "memory.events"
    events.write_text(EVENTS.format(n=2))
    witness = OomWitness(events)
    witness.started()
    assert not witness.killed_for_memory(1)
    events.write_text(EVENTS.format(n=3))  # the kernel killed in the cgroup meanwhile
    assert witness.killed_for_memory(1)
    assert oom_kills(events) == 3


def test_the_cgroup_of_this_process_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VESTSIGHT_MEMORY_EVENTS", raising=False)
    group = tmp_path / "sys" / "system.slice" / "vestsight.service"
    group.mkdir(parents=True)
    (group / "memory.events").write_text(EVENTS.format(n=0))
    proc = tmp_path / "cgroup"
    proc.write_text("0::/system.slice/vestsight.service\n")
    assert memory_events_path(proc, tmp_path / "sys") == group / "memory.events"
    proc.write_text("0::/elsewhere\n")
    assert memory_events_path(proc, tmp_path / "sys") is None
    assert memory_events_path(tmp_path / "missing", tmp_path / "sys") is None
    assert oom_kills(None) is None
