"""Peak resident memory of a process, as the benchmarks report it."""

from __future__ import annotations

from pathlib import Path


def peak_rss_mb(pid: int | str = "self") -> float:
    """VmHWM from /proc, in MiB. Not ru_maxrss: Linux carries that over execve, so a child
    started by a big parent would report the parent's peak; and it cannot measure another
    process (the worker)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
