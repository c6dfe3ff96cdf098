"""One bench run per vest: an exclusive lock file naming who holds it.

`flock` on the file: the kernel lets go when the holder exits, however it exits, so a crashed
run never leaves the vest locked. The file keeps the holder's pid, user, host, start time and
command line, so a second run can say who it is waiting for.
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import json
import logging
import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_LOGGER = logging.getLogger(__name__)


class BenchBusy(RuntimeError):
    """Another run holds the vest."""

    def __init__(self, path: Path, holder: dict[str, Any]) -> None:
        self.holder = holder
        who = ", ".join(f"{k} {v}" for k, v in holder.items()) or "unknown holder"
        super().__init__(f"the vest is in use by another bench run ({who}); lock file {path}")


def default_lock_path(vest: str) -> Path:
    state = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state"))
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in vest) or "vest"
    return state / "vestsight-bench" / f"{safe}.lock"


@contextlib.contextmanager
def bench_lock(path: Path, purpose: str = "") -> Iterator[dict[str, Any]]:
    """Hold the lock for the block; `BenchBusy` at once if another run holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BenchBusy(path, _read_holder(fd)) from None
        holder = {
            "pid": os.getpid(),
            "user": getpass.getuser(),
            "host": socket.gethostname(),
            "since": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "command": " ".join(sys.argv)[:200],
            "purpose": purpose,
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        _LOGGER.info("Bench lock %s taken", path)
        try:
            yield holder
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_holder(fd: int) -> dict[str, Any]:
    try:
        holder = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        return {}
    return holder if isinstance(holder, dict) else {}
