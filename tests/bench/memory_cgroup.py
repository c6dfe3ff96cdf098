"""A memory cgroup to run a process tree in, and its numbers: for `make bench-memory`.

cgroup v2 (``memory.max``, ``memory.peak``, ``memory.events``) where this machine mounts it with
the memory controller delegated to us, else cgroup v1 (``memory.limit_in_bytes``,
``memory.max_usage_in_bytes``, ``memory.oom_control``), which is what the development machines
here have. Creating one needs root, or a v2 subtree delegated to the user (``systemd-run --user
--scope -p MemoryMax=2.5G make bench-memory`` runs the whole benchmark under one limit without
root; see tests/bench/memory.mk).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

V2_ROOT = Path("/sys/fs/cgroup")
V1_MEMORY = Path("/sys/fs/cgroup/memory")


@dataclass(frozen=True)
class CgroupNumbers:
    peak_bytes: int
    major_faults: int
    oom_kills: int
    anon_bytes: int
    """Anonymous memory now (heap, the worker's repacked weights and buffers)."""
    file_bytes: int
    """Page cache now (mapped model pages, libraries, files written); tmpfs files included."""
    shmem_bytes: int
    """Of the page cache: tmpfs and shared memory, which cannot be dropped without swap."""
    kernel_bytes: int
    """Kernel memory charged to the cgroup (page tables, slab, socket buffers)."""


class MemoryCgroup:
    """A child memory cgroup of this process's own, limited to `limit_bytes` (0: no limit)."""

    def __init__(self, name: str, limit_bytes: int) -> None:
        self.v2 = (V2_ROOT / "cgroup.controllers").is_file()
        self.path = self._own() / name
        self.path.mkdir(exist_ok=True)
        if limit_bytes:
            self._write("memory.max" if self.v2 else "memory.limit_in_bytes", str(limit_bytes))
        if not self.v2:
            self._write("memory.swappiness", "0")

    def _own(self) -> Path:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _number, controllers, path = line.split(":", 2)
            if self.v2 and controllers == "":
                return V2_ROOT / path.lstrip("/")
            if not self.v2 and "memory" in controllers.split(","):
                return V1_MEMORY / path.lstrip("/")
        raise RuntimeError("this process is in no memory cgroup")

    def _write(self, name: str, value: str) -> None:
        (self.path / name).write_text(value)

    def _read(self, name: str) -> str:
        return (self.path / name).read_text()

    def add(self, pid: int) -> None:
        """Move process `pid` into the cgroup; children it starts from then on are born in it."""
        self._write("cgroup.procs", str(pid))

    def numbers(self) -> CgroupNumbers:
        stat = {k: int(v) for k, v in (ln.split() for ln in self._read("memory.stat").splitlines())}
        if self.v2:
            events = dict(line.split() for line in self._read("memory.events").splitlines())
            peak = int(self._read("memory.peak")) if (self.path / "memory.peak").exists() else 0
            return CgroupNumbers(
                peak,
                stat.get("pgmajfault", 0),
                int(events["oom_kill"]),
                stat.get("anon", 0),
                stat.get("file", 0),
                stat.get("shmem", 0),
                stat.get("kernel", stat.get("slab", 0) + stat.get("kernel_stack", 0)),
            )
        oom = dict(line.split() for line in self._read("memory.oom_control").splitlines())
        kmem = self.path / "memory.kmem.usage_in_bytes"
        return CgroupNumbers(
            int(self._read("memory.max_usage_in_bytes")),
            stat.get("total_pgmajfault", stat.get("pgmajfault", 0)),
            int(oom.get("oom_kill", 0)),
            stat.get("total_rss", stat.get("rss", 0)),
            stat.get("total_cache", stat.get("cache", 0)),
            stat.get("total_shmem", stat.get("shmem", 0)),
            int(kmem.read_text()) if kmem.exists() else 0,
        )

    def remove(self) -> None:
        """Remove the cgroup once its processes have ended (moved out or exited)."""
        try:
            self.path.rmdir()
        except OSError:
            parent = self.path.parent / "cgroup.procs"
            for pid in self._read("cgroup.procs").split():
                parent.write_text(pid)
            self.path.rmdir()


def drop_from_page_cache(path: Path) -> None:
    """Evict `path`'s clean pages, so it is read from disk again (a cold start, no root)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
