"""READY=1 and watchdog pings reach a systemd-style notify socket."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

from tests.conftest import TIMEOUT
from vestsight.systemd import SystemdNotifier


async def receive(sock: socket.socket) -> str:
    loop = asyncio.get_running_loop()
    return (await asyncio.wait_for(loop.sock_recv(sock, 4096), TIMEOUT)).decode()


async def test_ready_status_and_watchdog(tmp_path: Path) -> None:
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        server.setblocking(False)
        notifier = SystemdNotifier(
            {
                "NOTIFY_SOCKET": str(path),
                "WATCHDOG_USEC": "200000",
                "WATCHDOG_PID": str(os.getpid()),
            }
        )
        assert notifier.enabled
        assert notifier.watchdog_interval == 0.2
        notifier.ready("ready")
        assert await receive(server) == "READY=1\nSTATUS=ready"
        watchdog = asyncio.create_task(notifier.run_watchdog())
        assert await receive(server) == "WATCHDOG=1"
        assert await receive(server) == "WATCHDOG=1"
        watchdog.cancel()
        notifier.close()


async def test_without_systemd_everything_is_a_no_op() -> None:
    notifier = SystemdNotifier({})
    assert not notifier.enabled
    notifier.ready("ready")
    await asyncio.wait_for(notifier.run_watchdog(), TIMEOUT)  # returns at once


def test_watchdog_for_another_process_is_ignored(tmp_path: Path) -> None:
    notifier = SystemdNotifier(
        {"NOTIFY_SOCKET": str(tmp_path / "x"), "WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"}
    )
    assert notifier.watchdog_interval is None
    notifier.close()


async def test_the_watchdog_is_fed_only_while_what_matters_is_alive(tmp_path: Path) -> None:
    path = tmp_path / "notify.sock"
    problem = ""
    withheld: list[str] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        server.setblocking(False)
        notifier = SystemdNotifier(
            {
                "NOTIFY_SOCKET": str(path),
                "WATCHDOG_USEC": "100000",
                "WATCHDOG_PID": str(os.getpid()),
            }
        )
        watchdog = asyncio.create_task(notifier.run_watchdog(lambda: problem, withheld.append))
        assert await receive(server) == "WATCHDOG=1"
        problem = "not running: speech"  # the loop runs, but the wearer can no longer hear it
        assert await receive(server) == "STATUS=broken: not running: speech"
        problem = ""  # (systemd would have restarted the vest by now)
        assert await receive(server) == "WATCHDOG=1"
        assert withheld == ["not running: speech"]
        watchdog.cancel()
        await asyncio.gather(watchdog, return_exceptions=True)
        notifier.close()
