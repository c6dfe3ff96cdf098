"""Bluetooth Classic (already paired) gamepads read through Linux evdev: the service.

Small pads such as the 8BitDo Micro are Bluetooth Classic HID devices: once paired and trusted,
BlueZ hands them to the kernel, which exposes them as ``/dev/input/event*`` devices.
`EvdevGamepad` finds the configured pad, grabs it (so its keys do not also type into a console),
reads it on the event loop and submits the vest's logical buttons
(`vestsight.names.GAMEPAD_BUTTONS`). The pad sleeps when idle (its device disappears) and comes
back on a press (the device reappears): the service then releases every held button, reports the
disconnection, and polls for the pad with a backoff.

Like the BLE side (`ble_pad` / `hid` / `pad_maps`) it is three parts: `evdev_maps` (codes and
maps), `evdev_decoder` (events in, edges out) and this service. How devices are listed and opened
is an `EvdevAccess` (`vestsight.inputs.pad_access`): python-evdev is imported only inside its
default device functions, so this module imports (and its logic is tested) without it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence

from ..supervisor import Service
from .evdev_decoder import EvdevDecoder
from .evdev_maps import EvdevMap
from .events import PadCallbacks, check_pad_search
from .pad_access import EvdevAccess, InputDeviceLike

_LOGGER = logging.getLogger(__name__)


def _address(text: str) -> str:
    return text.strip().lower()


class EvdevGamepad(Service):
    """Reads one paired gamepad through evdev; survives it sleeping and waking (hot-plug).

    A device is the pad when its name contains one of `names` (case-insensitive; any name when
    `names` is empty) and, when `addresses` is not empty, its ``uniq`` is one of them. For a
    Bluetooth HID device ``uniq`` is the pad's address; ``phys`` is the vest's own adapter, so it
    is not used. Edges, connections, refusals and "no pad found" go to `callbacks`, so the app
    can speak and buzz. `access` says how devices are listed and opened (python-evdev unless
    replaced) and how often they are searched. A cancel is not a disconnection: held buttons are
    released, ``callbacks.disconnected`` is not called.
    """

    name = "evdev_gamepad"

    def __init__(
        self,
        callbacks: PadCallbacks,
        mapping: EvdevMap,
        *,
        names: Sequence[str] = (),
        addresses: Iterable[str] = (),
        access: EvdevAccess | None = None,
    ) -> None:
        super().__init__()
        access = access or EvdevAccess()
        check_pad_search("evdev", names, addresses, access.backoff)
        self._tell = callbacks
        self._decoder = EvdevDecoder(mapping)
        self._names = tuple(n.lower() for n in names)
        self._addresses = frozenset(_address(a) for a in addresses)
        self._list_devices = access.list_devices
        self._open_device = access.open_device
        self._backoff = access.backoff
        self._grab = access.grab
        self._connected = False
        self.battery_percent: int | None = None
        """Not read: the kernel shows a Classic pad's battery, if at all, in power_supply."""
        self._told: set[tuple[str | bytes, str]] = set()
        self._refused: set[tuple[str | bytes, str]] = set()

    @property
    def connected(self) -> bool:
        return self._connected

    async def run(self) -> None:
        attempt = 0
        while True:
            device = self._find()
            if device is None and not self.ready.is_set():
                self._tell.missing()
            self.ready.set()
            if device is None:
                await asyncio.sleep(self._backoff[min(attempt, len(self._backoff) - 1)])
                attempt += 1
                continue
            attempt = 0
            await self._serve(device)
            await asyncio.sleep(self._backoff[0])  # let a vanished node go before looking again

    def _find(self) -> InputDeviceLike | None:
        found: InputDeviceLike | None = None
        for path in self._list_devices():
            try:
                device = self._open_device(path)
            except OSError as error:  # vanished meanwhile, or not ours to read
                self._tell_once(path, "open", logging.DEBUG, "Cannot open %s: %s", path, error)
                continue
            if found is None and self._wanted(device):
                found = device
            else:
                device.close()
        return found

    def _wanted(self, device: InputDeviceLike) -> bool:
        if self._names and not any(n in device.name.lower() for n in self._names):
            return False
        address = _address(device.uniq or "")
        if self._addresses and address not in self._addresses:
            self._tell_once(
                device.path,
                address,
                logging.WARNING,
                "Refused %r at %s: address %r is not in the allowed list",
                device.name,
                device.path,
                address,
            )
            if (device.path, address) not in self._refused:
                self._refused.add((device.path, address))
                self._tell.refused(device.name, address)
            return False
        return True

    async def _serve(self, device: InputDeviceLike) -> None:
        name = device.name
        cancelled = False
        try:
            if self._grab:
                try:
                    device.grab()
                except OSError as error:
                    _LOGGER.warning(
                        "Could not grab %s (%s): its keys also reach others", name, error
                    )
            self._connected = True
            _LOGGER.info("Controller %r connected at %s (%s)", name, device.path, device.uniq)
            self._tell.connected(name)
            async for event in device.async_read_loop():
                for button, pressed in self._decoder.feed(event):
                    self._tell.submit(button, pressed)
        except OSError as error:  # ENODEV: the pad went to sleep or out of range
            _LOGGER.info("Controller %r went away: %s", name, error)
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            device.close()
            for button, pressed in self._decoder.release_all():
                self._tell.submit(button, pressed)
            was_connected, self._connected = self._connected, False
            if was_connected and not cancelled:
                self._tell.disconnected(name)

    def _tell_once(
        self, path: str | bytes, what: str, level: int, message: str, *args: object
    ) -> None:
        if (path, what) not in self._told:
            self._told.add((path, what))
            _LOGGER.log(level, message, *args)
