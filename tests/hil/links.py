"""The bench's end of the link to a real vest's control socket (no network service on the vest).

- ``ssh:HOST``: runs ``vestsight.control_bridge`` on the vest over SSH; its stdin/stdout are
  the socket.
- ``serial:/dev/ttyACM0``: the vest runs the bridge on its USB gadget serial port
  (``--tty /dev/ttyGS0``); the bench opens its end raw.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
from collections.abc import AsyncIterator

from tests.conftest import TIMEOUT
from tests.hil.bench_settings import BenchSettings
from vestsight.control_bridge import Streams, tty_streams
from vestsight.inputs.control_socket import MAX_LINE_BYTES

_LOGGER = logging.getLogger(__name__)


def ssh_argv(settings: BenchSettings) -> list[str]:
    return [*shlex.split(settings.ssh), settings.host, settings.bridge]


@contextlib.asynccontextmanager
async def open_link(settings: BenchSettings) -> AsyncIterator[Streams]:
    if not settings.over_ssh:
        async with tty_streams(settings.host) as streams:
            yield streams
        return
    process = await asyncio.create_subprocess_exec(
        *ssh_argv(settings),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=MAX_LINE_BYTES,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        yield process.stdout, process.stdin
    finally:
        process.stdin.close()  # the bridge sees the end of its input and exits
        try:
            await asyncio.wait_for(process.wait(), TIMEOUT)
        except TimeoutError:
            _LOGGER.warning("The SSH bridge did not end; killing it")
            process.kill()
            await process.wait()
