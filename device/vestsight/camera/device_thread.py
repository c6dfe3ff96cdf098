"""The camera's own thread for its blocking calls, apart from asyncio's shared default pool.

`asyncio.to_thread` hands work to the loop's default pool, shared with everything else that
blocks (frame measurements, OCR preparation, JPEG encoding, speech files): a camera call could
wait there behind other work, and a capture that hangs in the driver would hold one of those
threads for good. Here the camera's calls run in order on one thread of its own. The thread is a
daemon: a call that never returns holds only it, and never keeps the process from exiting (the
pool's threads are joined at exit, and asyncio waits for its default pool when the loop closes).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_Job = tuple[Callable[[], Any], "concurrent.futures.Future[Any]"]


class DeviceThread:
    """One daemon thread that runs blocking calls one at a time, in the order they are asked."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._stopped = False
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()

    async def call(self, function: Callable[[], T]) -> T:
        """`function()` on this thread. Cancelled before it starts, it never runs; once started,
        it runs to its end (a thread cannot be interrupted) and its result is dropped."""
        if self._stopped:
            raise RuntimeError(f"thread {self.name} is stopped")
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((function, future))
        return await asyncio.wrap_future(future)

    def stop(self) -> None:
        """No more calls; the thread ends once the call it is in (if any) returns."""
        if not self._stopped:
            self._stopped = True
            self._jobs.put(None)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def _main(self) -> None:
        while (job := self._jobs.get()) is not None:
            function, future = job
            if not future.set_running_or_notify_cancel():
                continue  # its caller stopped waiting before it started
            try:
                result = function()
            except BaseException as err:  # noqa: BLE001 - the caller gets it, as from to_thread
                future.set_exception(err)
            else:
                future.set_result(result)
