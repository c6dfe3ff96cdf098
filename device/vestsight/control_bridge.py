"""The control bridge: the vest's control socket relayed over stdin/stdout or a serial line.

The control socket is a Unix socket on the vest; nothing listens on the network. A test bench
reaches it by running this bridge on the vest, through what the vest already has:

- over SSH: ``ssh vest python3 -m vestsight.control_bridge`` (stdin/stdout are the link);
- over a USB serial console: ``python3 -m vestsight.control_bridge --tty /dev/ttyGS0`` on the
  vest (the Pi 5's USB-C gadget serial port; the bench opens its /dev/ttyACM0 end).

The relay is transparent: JSON lines in both directions, as the socket speaks them. With
``--wait`` the bridge waits for the socket to appear (the vest is still starting). It exits 0
when either side closes, 1 with a clear message when the socket cannot be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import termios
import time
import tty
from collections.abc import AsyncIterator
from pathlib import Path

from .config_loader import default_config_path, load_settings
from .inputs.control_socket import MAX_LINE_BYTES

_LOGGER = logging.getLogger(__name__)

Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]

POLL_S = 0.1
"""How often `--wait` looks for the socket."""


def socket_path_from_config(config: Path | None) -> Path:
    """Where the vest configured by `config` (or the default config) listens."""
    settings = load_settings(config).settings
    if settings.input.socket_path:
        return Path(settings.input.socket_path).expanduser()
    return Path(settings.general.run_dir).expanduser().resolve() / "control.sock"


async def connect_socket(path: Path, wait_s: float = 0.0) -> Streams:
    """Connect to the control socket, waiting up to `wait_s` for it to appear."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return await asyncio.open_unix_connection(str(path), limit=MAX_LINE_BYTES)
        except (FileNotFoundError, ConnectionRefusedError):
            if time.monotonic() >= deadline:
                raise
        await asyncio.sleep(POLL_S)


@contextlib.asynccontextmanager
async def pipe_streams(read_fd: int, write_fd: int) -> AsyncIterator[Streams]:
    """asyncio streams over two file descriptors (pipes, sockets or a terminal), left open."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MAX_LINE_BYTES)
    read_file = os.fdopen(read_fd, "rb", buffering=0, closefd=False)
    read_transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), read_file
    )
    try:
        write_file = os.fdopen(write_fd, "wb", buffering=0, closefd=False)
        transport, protocol = await loop.connect_write_pipe(
            lambda: asyncio.StreamReaderProtocol(asyncio.StreamReader()), write_file
        )
        writer = asyncio.StreamWriter(transport, protocol, None, loop)
        try:
            yield reader, writer
        finally:
            writer.close()
    finally:
        read_transport.close()


@contextlib.asynccontextmanager
async def tty_streams(device: str) -> AsyncIterator[Streams]:
    """A serial line in raw mode (no echo, no line editing) as asyncio streams."""
    fd = os.open(device, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        tty.setraw(fd, termios.TCSANOW)
        async with pipe_streams(fd, fd) as streams:
            yield streams
    finally:
        os.close(fd)


async def _copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    while line := await source.readline():
        sink.write(line)
        await sink.drain()


async def relay(link: Streams, vest: Streams) -> None:
    """Copy lines both ways until either side closes."""
    copies = [
        asyncio.create_task(_copy(link[0], vest[1]), name="bridge-to-vest"),
        asyncio.create_task(_copy(vest[0], link[1]), name="bridge-to-link"),
    ]
    try:
        done, _pending = await asyncio.wait(copies, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for copy in copies:
            copy.cancel()
        await asyncio.gather(*copies, return_exceptions=True)
    for copy in done:
        if (error := copy.exception()) is not None and not isinstance(error, ConnectionError):
            raise error
    vest[1].close()
    with contextlib.suppress(ConnectionError):
        await vest[1].wait_closed()


async def run_bridge(socket_path: Path, tty_device: str | None, wait_s: float) -> None:
    vest = await connect_socket(socket_path, wait_s)
    _LOGGER.info("Bridging %s to %s", socket_path, tty_device or "stdin/stdout")
    links = (
        tty_streams(tty_device)
        if tty_device is not None
        else pipe_streams(sys.stdin.fileno(), sys.stdout.fileno())
    )
    async with links as link:
        await relay(link, vest)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m vestsight.control_bridge",
        description="Relay the vest's control socket over stdin/stdout (SSH) or a serial line.",
    )
    parser.add_argument("--socket", help="control socket path (default: from the config)")
    parser.add_argument("--config", help="vest config file (default: as the vest finds it)")
    parser.add_argument("--tty", help="serial device to relay instead of stdin/stdout")
    parser.add_argument(
        "--wait", type=float, default=0.0, help="seconds to wait for the socket to appear"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    config = Path(args.config) if args.config else default_config_path()
    path = Path(args.socket) if args.socket else socket_path_from_config(config)
    try:
        asyncio.run(run_bridge(path, args.tty, args.wait))
    except (FileNotFoundError, ConnectionRefusedError, PermissionError) as err:
        print(
            f"control bridge: cannot reach the vest's control socket {path}: {err}. "
            "Is vestsight running with input.control_socket = true, as this user?",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
