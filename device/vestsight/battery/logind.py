"""The real system power: systemd-logind over D-Bus (dbus-fast, imported here only).

At start the vest takes a *delay* inhibitor lock for shutdown (``Inhibit("shutdown", ...,
"delay")``: logind holds any shutdown up to ``InhibitDelayMaxSec`` while the lock is held) and
listens for ``PrepareForShutdown``. When it comes (the Pi 5's power button, whose ``KEY_POWER``
logind turns into a power-off through ``HandlePowerKey=poweroff``; or the vest's own low-battery
power-off) the vest says "Shutting down", saves, and closes the lock so the shutdown goes on.
``PowerOff(false)`` asks logind to power off; the image's polkit rule lets the vest's user do so
(image-build/layers/power). If logind cannot be reached the vest works on and tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

from ..aio import wait_within
from ..errors import PowerOffError
from .system_power import SystemPower

_LOGGER = logging.getLogger(__name__)

LOGIND = "org.freedesktop.login1"
PATH = "/org/freedesktop/login1"
MANAGER = "org.freedesktop.login1.Manager"
PREPARE_MATCH = f"type='signal',sender='{LOGIND}',interface='{MANAGER}',member='PrepareForShutdown'"
RETRY_S = 30.0
CALL_TIMEOUT_S = 10.0
HOOK_TIMEOUT_S = 9.0
"""How long saying "Shutting down" and saving may hold a shutdown up (the image's logind allows
10 s, InhibitDelayMaxSec)."""


class LogindPower(SystemPower):
    def __init__(self, bus_address: str | None = None, retry_s: float = RETRY_S) -> None:
        super().__init__()
        self._address = bus_address
        self._retry_s = retry_s
        self._bus: Any = None
        self._lock_fd: int | None = None
        self._preparing: asyncio.Task[None] | None = None
        """Answering PrepareForShutdown (or taking the lock again after a cancelled one)."""
        self._said_unreachable = False

    async def run(self) -> None:
        from dbus_fast import BusType
        from dbus_fast.aio import MessageBus
        from dbus_fast.errors import DBusError

        while True:
            try:
                bus = MessageBus(
                    bus_address=self._address, bus_type=BusType.SYSTEM, negotiate_unix_fd=True
                )
                await wait_within(bus.connect(), CALL_TIMEOUT_S)
                self._bus = bus
                try:
                    await self._serve()
                finally:
                    self.ready.clear()
                    self._release()
                    self._bus = None
                    bus.disconnect()
            except (OSError, DBusError, PowerOffError, TimeoutError) as err:
                log = _LOGGER.debug if self._said_unreachable else _LOGGER.error
                log("logind unavailable (the power button will not be announced): %s", err)
                self._said_unreachable = True
            await asyncio.sleep(self._retry_s)

    async def _serve(self) -> None:
        bus = self._bus
        bus.add_message_handler(self._on_message)
        await self._call(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "AddMatch", "s", [PREPARE_MATCH],
        )  # fmt: skip
        await self._inhibit()
        _LOGGER.info("Holding a logind delay lock: a shutdown will be announced first")
        self._said_unreachable = False
        self.ready.set()
        await bus.wait_for_disconnect()

    async def _inhibit(self) -> None:
        why = "Say 'Shutting down' and save before the power goes"
        reply = await self._call(
            LOGIND, PATH, MANAGER, "Inhibit", "ssss", ["shutdown", "Vestsight", why, "delay"]
        )
        fds = reply.unix_fds
        if not fds:
            raise PowerOffError("logind's Inhibit returned no lock (unix fds not negotiated)")
        self._release()
        self._lock_fd = fds[reply.body[0]] if reply.body[0] < len(fds) else fds[0]

    async def power_off(self) -> None:
        if self._bus is None:
            raise PowerOffError("logind is not reachable", advice="is systemd-logind running?")
        from dbus_fast.errors import DBusError

        try:
            await self._call(LOGIND, PATH, MANAGER, "PowerOff", "b", [False])
        except PowerOffError:
            raise
        except (OSError, DBusError, TimeoutError) as err:
            raise PowerOffError(
                f"logind refused to power off: {err}",
                advice="the polkit rule of image-build/layers/power must allow the vest's user",
            ) from err

    def _on_message(self, message: Any) -> None:
        if message.member != "PrepareForShutdown" or message.interface != MANAGER:
            return
        if message.body and message.body[0] is True:
            if self._preparing is None or self._preparing.done():
                self._preparing = asyncio.create_task(self._prepare(), name="prepare-shutdown")
        elif self._lock_fd is None and self._bus is not None:  # a shutdown was called off
            self._preparing = asyncio.create_task(self._inhibit_again(), name="inhibit-again")

    async def _inhibit_again(self) -> None:
        try:
            await self._inhibit()
        except (OSError, PowerOffError, TimeoutError) as err:
            _LOGGER.error("Cannot take the logind delay lock again: %s", err)

    async def _prepare(self) -> None:
        _LOGGER.warning("The system is shutting down")
        try:
            await wait_within(self.on_shutdown(), HOOK_TIMEOUT_S)
        except TimeoutError:
            _LOGGER.error("Saying goodbye took too long: letting the shutdown go on")
        finally:
            self._release()

    def _release(self) -> None:
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    async def _call(
        self, destination: str, path: str, interface: str, member: str, signature: str,
        body: list[Any],
    ) -> Any:  # fmt: skip
        from dbus_fast import Message, MessageType

        message = Message(
            destination=destination, path=path, interface=interface, member=member,
            signature=signature, body=body,
        )  # fmt: skip
        reply = await wait_within(self._bus.call(message), CALL_TIMEOUT_S)
        if reply is None or reply.message_type is MessageType.ERROR:
            detail = reply.body if reply is not None else "no reply"
            raise PowerOffError(f"{member}: {getattr(reply, 'error_name', '')} {detail}")
        return reply
