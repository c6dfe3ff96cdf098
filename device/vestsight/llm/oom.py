"""Whether the kernel killed the worker for memory, told apart from a damaged model file.

Under memory pressure the kernel's OOM killer picks the worker (its oom_score_adj makes it the
first victim) and kills it with SIGKILL; a cgroup's memory limit (systemd's MemoryMax, a bench's
cgroup) does the same and counts it in the cgroup's ``memory.events`` (``oom_kill``). A worker
that died of SIGKILL, or while that count rose, died for lack of memory. A damaged or missing
model file is reported by the worker itself (``LoadFailed``) and never looks like this.
"""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

_LOGGER = logging.getLogger(__name__)

CGROUP_ROOT = Path("/sys/fs/cgroup")


def memory_events_path(
    proc_cgroup: Path = Path("/proc/self/cgroup"), root: Path = CGROUP_ROOT
) -> Path | None:
    """This process's cgroup v2 ``memory.events`` ($VESTSIGHT_MEMORY_EVENTS overrides), if any."""
    env = os.environ.get("VESTSIGHT_MEMORY_EVENTS")
    if env:
        return Path(env)
    try:
        lines = proc_cgroup.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("0::"):  # the unified (v2) hierarchy
            path = root / line[3:].strip().lstrip("/") / "memory.events"
            return path if path.is_file() else None
    return None


def oom_kills(path: Path | None) -> int | None:
    """The ``oom_kill`` count of a ``memory.events`` file (None: no such file or field).

    A small kernel file: reading it does not block the loop."""
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name == "oom_kill" and value.strip().isdigit():
            return int(value)
    return None


class OomWitness:
    """Notes the cgroup's OOM kills when a worker starts; says afterwards if it died of one."""

    def __init__(self, events: Path | None = None) -> None:
        self._events = events if events is not None else memory_events_path()
        self._before: int | None = None

    def started(self) -> None:
        self._before = oom_kills(self._events)

    def killed_for_memory(self, returncode: int | None) -> bool:
        if returncode == -signal.SIGKILL:
            return True
        after = oom_kills(self._events)
        rose = after is not None and self._before is not None and after > self._before
        if rose:
            _LOGGER.error("The cgroup's oom_kill count rose (%s -> %s)", self._before, after)
        return rose
