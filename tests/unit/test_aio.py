"""The asyncio helpers: a cancelled child process is killed, reaped and leaves nothing open."""

from __future__ import annotations

import asyncio
import sys

import pytest

from tests.conftest import TIMEOUT
from vestsight.aio import communicate, spawn, wait_within

# A child that writes more than a pipe holds, then waits for ever.
CHATTY = "import sys, time; sys.stdout.write('x' * 2_000_000); sys.stdout.flush(); time.sleep(60)"


async def test_cancelled_communicate_kills_the_child_and_reads_its_pipes_to_the_end() -> None:
    process = await spawn(
        sys.executable,
        "-c",
        CHATTY,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    await wait_within(process.stdout.readexactly(1), TIMEOUT)  # the child is writing
    # The child never reads its stdin: the feed is left waiting for the pipe to drain.
    assert process.stdin is not None
    talking = asyncio.create_task(communicate(process, b"y" * 2_000_000))
    for _turn in range(100):
        if process.stdin.transport.get_write_buffer_size() > 0:
            break
        await asyncio.sleep(0)
    assert process.stdin.transport.get_write_buffer_size() > 0
    talking.cancel()
    with pytest.raises(asyncio.CancelledError):
        await wait_within(talking, TIMEOUT)
    assert process.returncode == -9
    # Both pipes saw their end, so their transports are closed and nothing is left for the
    # loop's shutdown to complain about.
    assert process.stdout.at_eof() and process.stderr.at_eof()
    assert process.stdin.is_closing()


async def test_wait_within_raises_timeout_and_cancels_the_work() -> None:
    never = asyncio.ensure_future(asyncio.Event().wait())
    with pytest.raises(TimeoutError):
        await wait_within(never, 0.01)
    assert never.cancelled()
