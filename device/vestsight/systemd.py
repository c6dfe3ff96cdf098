"""systemd notify protocol (READY=1, STATUS=, WATCHDOG=1) without extra dependencies.

Outside systemd (no ``NOTIFY_SOCKET``) every call is a no-op. The watchdog is pinged from the event
loop itself, so a blocked loop stops the pings and systemd restarts the service; and only while
the app's `check` finds what matters alive (speech, the motor, the controls), so a vest whose
loop runs but which can no longer hear a press or answer it is restarted too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable

_LOGGER = logging.getLogger(__name__)


class SystemdNotifier:
    def __init__(self, environ: dict[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self._address = env.get("NOTIFY_SOCKET", "")
        watchdog_usec = env.get("WATCHDOG_USEC", "")
        watchdog_pid = env.get("WATCHDOG_PID", "")
        self.watchdog_interval: float | None = None
        if watchdog_usec.isdigit() and (not watchdog_pid or watchdog_pid == str(os.getpid())):
            self.watchdog_interval = int(watchdog_usec) / 1_000_000
        self._socket: socket.socket | None = None
        if self._address:
            self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._socket.setblocking(False)

    @property
    def enabled(self) -> bool:
        return self._socket is not None

    def notify(self, message: str) -> None:
        if self._socket is None:
            return
        address = self._address
        if address.startswith("@"):
            address = "\0" + address[1:]
        try:
            self._socket.sendto(message.encode("utf-8"), address)
        except OSError as err:
            _LOGGER.warning("systemd notify %r failed: %s", message, err)

    def ready(self, status: str) -> None:
        self.notify(f"READY=1\nSTATUS={status}")

    def status(self, status: str) -> None:
        self.notify(f"STATUS={status}")

    def stopping(self) -> None:
        self.notify("STOPPING=1")

    async def run_watchdog(
        self,
        check: Callable[[], str] = lambda: "",
        on_withheld: Callable[[str], None] = lambda problem: None,
    ) -> None:
        """Ping the watchdog at half its interval until cancelled (returns at once without one),
        but only while `check()` finds nothing wrong: its problem withholds the ping (told to
        `on_withheld` and to systemd's STATUS once), so systemd restarts the vest."""
        if self.watchdog_interval is None or self._socket is None:
            return
        withheld = ""
        while True:
            problem = check()
            if not problem:
                self.notify("WATCHDOG=1")
            elif problem != withheld:
                _LOGGER.critical("Watchdog not fed: %s", problem)
                self.status(f"broken: {problem}")
                on_withheld(problem)
            withheld = problem
            await asyncio.sleep(self.watchdog_interval / 2)

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
