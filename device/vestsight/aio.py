"""Small asyncio helpers that behave on Python 3.11.

Python 3.11's `asyncio.wait_for` can swallow a cancellation that arrives just as the awaited
thing completes (CPython gh-86296, fixed in 3.12). A swallowed cancel leaves a service that can
never be stopped, so product code waits with `asyncio.wait` through these helpers instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Collection
from typing import Any, TypeVar

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")


async def wait_within(awaitable: Awaitable[T], seconds: float) -> T:
    """Await with a time limit: `TimeoutError` after `seconds`; a cancel is never lost."""
    task = asyncio.ensure_future(awaitable)
    try:
        done, _pending = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not done:
        task.cancel()
        await asyncio.wait({task})
        raise TimeoutError(f"not done within {seconds} s")
    return task.result()


async def run_until_first_failure(
    main: Awaitable[T], watchers: Collection[asyncio.Task[None]]
) -> T:
    """Await `main` while `watchers` run; if a watcher ends first, raise what it raised."""
    main_task = asyncio.ensure_future(main)
    try:
        await asyncio.wait({main_task, *watchers}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        main_task.cancel()
        raise
    for watcher in watchers:
        if watcher.done():
            main_task.cancel()
            await asyncio.wait({main_task})
            watcher.result()  # raises the watcher's error
            raise RuntimeError(f"{watcher.get_name()} ended without an error")
    return main_task.result()


async def cancel_and_wait(tasks: Collection[asyncio.Task[None]]) -> None:
    """Cancel `tasks` and wait until they have finished; errors they ended with are dropped."""
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            _LOGGER.debug(
                "%s ended with %r while being cancelled", task.get_name(), task.exception()
            )


async def spawn(program: str, *args: str, **kwargs: Any) -> asyncio.subprocess.Process:
    """`create_subprocess_exec` that a cancel cannot interrupt halfway.

    Cancelled mid-creation, 3.11 can leave a half-connected process behind that blocks the loop's
    shutdown. Here creation always completes; if cancelled meanwhile, the new process is killed
    and reaped before the cancel propagates.
    """
    creating = asyncio.ensure_future(asyncio.create_subprocess_exec(program, *args, **kwargs))
    try:
        return await asyncio.shield(creating)
    except asyncio.CancelledError:
        await _kill_and_reap(await creating)
        raise


async def communicate(process: asyncio.subprocess.Process, data: bytes) -> tuple[bytes, bytes]:
    """`process.communicate(data)`; if cancelled meanwhile, the process is killed and reaped."""
    try:
        return await process.communicate(data)
    except asyncio.CancelledError:
        await _kill_and_reap(process)
        raise


async def _kill_and_reap(process: asyncio.subprocess.Process) -> None:
    """Kill `process`, then read its pipes to the end so that their transports close.

    A pipe whose reader stopped mid-way is paused once its buffer fills; it would never see the
    end of file, and its transport would be left open (a ResourceWarning when collected). The
    child's stdin is closed here too: `communicate()` without input leaves it open, and a feed
    cancelled before it began never closed it.
    """
    if process.returncode is None:
        process.kill()
    if process.stdin is not None:
        process.stdin.close()
    await process.communicate()
