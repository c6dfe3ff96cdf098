"""Bluetooth LE gamepads (HID over GATT) read through bleak.

An Xbox Wireless Controller (firmware 5.x) and other BLE pads offer the HID service (0x1812).
bluetoothd runs without its ``hog`` plugin on the vest (image-build/layers/bluetooth), so the
service is not claimed by the kernel and this module reads it itself:

1. scan for a pad whose address is allowed (or, with no allow-list, whose name matches);
2. connect and pair (bond): HID reports are only sent over an encrypted link;
3. read the report map (0x2A4B) and parse it (`vestsight.inputs.hid`); find the input report
   characteristics (0x2A4D) by their Report Reference descriptors (0x2908);
4. subscribe to them and turn every report into button edges (`vestsight.inputs.pad_maps`);
5. read the battery level (0x2A19) where the pad has one, and follow its notifications;
6. when the link drops, release every held button, say so, and scan again (each scan lasts
   `BleAccess.scan_s`); a pad that cannot be connected or read is retried with a growing backoff.

Notifications arrive as callbacks; they are put in a bounded queue that the service reads, and
unsubscribed in ``finally``. bleak picks its BlueZ backend (D-Bus to bluetoothd) only when a scanner
or client is made; tests pass their own bleak backends (a `BleAccess`, `tests/ble_fakes.py`), so
the same bleak public layer runs here without a radio. The app imports this module only when it is
configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakError

from ..errors import GamepadError, GamepadLinkError
from ..supervisor import Service
from .events import LOW_PAD_BATTERY_PERCENT, PadCallbacks, check_pad_search
from .hid import HidDecoder, parse_report_descriptor
from .pad_access import BleAccess
from .pad_maps import PadMap, PadTracker

_LOGGER = logging.getLogger(__name__)


def _uuid16(number: int) -> str:
    return f"0000{number:04x}-0000-1000-8000-00805f9b34fb"


HID_SERVICE = _uuid16(0x1812)
REPORT_MAP = _uuid16(0x2A4B)
REPORT = _uuid16(0x2A4D)
REPORT_REFERENCE = _uuid16(0x2908)
BATTERY_LEVEL = _uuid16(0x2A19)
INPUT_REPORT = 1
"""Report type in a Report Reference descriptor: 1 input, 2 output, 3 feature."""

QUEUE_SIZE = 256
"""Reports waiting to be decoded; a pad sends one per change, so this is never full in use."""


class BlePad(Service):
    """One BLE HID gamepad: found, bonded, read, and found again after it sleeps."""

    name = "ble_gamepad"

    def __init__(
        self,
        callbacks: PadCallbacks,
        pad_map: PadMap,
        *,
        names: Sequence[str] = (),
        addresses: Iterable[str] = (),
        access: BleAccess | None = None,
    ) -> None:
        super().__init__()
        access = access or BleAccess()
        check_pad_search("BLE", names, addresses, access.backoff)
        self._tell = callbacks
        self._pad_map = pad_map
        self._names = tuple(n.lower() for n in names)
        self._addresses = frozenset(a.strip().upper() for a in addresses)
        self._scanner_args: dict[str, Any] = {}
        if access.scanner_backend is not None:
            self._scanner_args["backend"] = access.scanner_backend
        self._client_args: dict[str, Any] = {"timeout": access.connect_timeout_s}
        if access.client_backend is not None:
            self._client_args["backend"] = access.client_backend
        self._scan_s = access.scan_s
        self._backoff = access.backoff
        self._refused: set[str] = set()
        self._told_unusable = False
        self._connected = False
        self.battery_percent: int | None = None
        """The pad's last battery reading, None when unknown or not connected."""

    @property
    def connected(self) -> bool:
        return self._connected

    async def run(self) -> None:
        self.ready.set()  # searching is this service's normal work
        searched = False
        failures = 0
        while True:
            try:
                device = await self._scan()
            except (BleakError, OSError) as error:  # no adapter, bluetoothd down, no D-Bus
                failures += 1
                self._unusable(
                    "Bluetooth",
                    GamepadLinkError(
                        f"scanning failed: {type(error).__name__}: {error}",
                        advice="is bluetoothd running and the adapter powered? (bluetoothctl show)",
                        spoken="Bluetooth is not working",
                        phrase="bluetooth",
                    ),
                )
                await asyncio.sleep(self._delay(failures))
                continue
            if device is None:  # asleep or out of range: look again soon, a press wakes it
                if not searched:
                    self._tell.missing()
                searched = True
                await asyncio.sleep(self._backoff[0])
                continue
            searched = True
            try:
                await self._serve(device)
                failures = 0
            except (GamepadError, BleakError, TimeoutError, OSError) as error:
                failures += 1
                self._unusable(device.name or device.address, error)
            await asyncio.sleep(self._delay(failures))

    def _delay(self, failures: int) -> float:
        return self._backoff[min(failures, len(self._backoff) - 1)]

    # --- finding the pad --------------------------------------------------------------------

    async def _scan(self) -> BLEDevice | None:
        return await BleakScanner.find_device_by_filter(
            self._wanted, timeout=self._scan_s, **self._scanner_args
        )

    def _wanted(self, device: BLEDevice, advertisement: AdvertisementData) -> bool:
        name = advertisement.local_name or device.name or ""
        if self._names and not any(n in name.lower() for n in self._names):
            return False
        address = device.address.upper()
        if self._addresses and address not in self._addresses:
            if address not in self._refused:
                self._refused.add(address)
                _LOGGER.warning("Refused %r at %s: not in the allowed addresses", name, address)
                self._tell.refused(name, address)
            return False
        return True

    # --- one connection ---------------------------------------------------------------------

    async def _serve(self, device: BLEDevice) -> None:
        lost: asyncio.Queue[tuple[int, bytes] | None] = asyncio.Queue(QUEUE_SIZE)
        client = BleakClient(
            device, disconnected_callback=lambda _: _put(lost, None), **self._client_args
        )
        tracker = PadTracker(self._pad_map)
        name = device.name or device.address
        cancelled = False
        try:
            async with client:
                await client.pair()  # a no-op when already bonded
                decoder, reports = await _read_hid_service(client)
                async with self._subscribed(client, reports, lost):
                    self._connected = True
                    self._told_unusable = False
                    _LOGGER.info("Controller %r connected (%s)", name, device.address)
                    self._tell.connected(name)
                    await self._read_battery(client)
                    while (item := await lost.get()) is not None:
                        for button, pressed in tracker.update(decoder.decode(*item)):
                            self._tell.submit(button, pressed)
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            for button, pressed in tracker.release_all():
                self._tell.submit(button, pressed)
            was_connected, self._connected = self._connected, False
            self.battery_percent = None
            if was_connected:
                _LOGGER.info("Controller %r disconnected", name)
                if not cancelled:
                    self._tell.disconnected(name)

    def _unusable(self, name: str, error: Exception) -> None:
        """Log every failure; tell the wearer once, so a pad that never works is not silent."""
        _LOGGER.warning("Controller %s could not be used: %s", name, error)
        if self._told_unusable:
            return
        self._told_unusable = True
        if not isinstance(error, GamepadError):
            error = GamepadLinkError(
                f"{type(error).__name__}: {error}", advice="is the pad paired and trusted?"
            )
        self._tell.unusable(name, error)

    @contextlib.asynccontextmanager
    async def _subscribed(
        self,
        client: BleakClient,
        reports: list[tuple[BleakGATTCharacteristic, int]],
        queue: asyncio.Queue[tuple[int, bytes] | None],
    ) -> AsyncIterator[None]:
        """Input reports go into `queue` as (report ID, payload) while the block runs."""
        subscribed: list[BleakGATTCharacteristic] = []

        def on_report(report_id: int) -> Callable[[BleakGATTCharacteristic, bytearray], None]:
            return lambda _, data: _put(queue, (report_id, bytes(data)))

        try:
            for characteristic, report_id in reports:
                try:
                    await client.start_notify(characteristic, on_report(report_id))
                except BleakError as error:
                    raise GamepadLinkError(
                        f"input report {report_id} refused a subscription: {error}",
                        advice="pair and trust the pad first (bluetoothctl pair/trust <address>)",
                    ) from error
                subscribed.append(characteristic)
            yield
        finally:
            for characteristic in subscribed if client.is_connected else ():
                try:
                    await client.stop_notify(characteristic)
                except BleakError as error:  # the link is going anyway
                    _LOGGER.debug("Unsubscribing %s failed: %s", characteristic.uuid, error)

    async def _read_battery(self, client: BleakClient) -> None:
        try:
            characteristic = client.services.get_characteristic(BATTERY_LEVEL)
            if characteristic is None:
                return
            self._battery_read(bytes(await client.read_gatt_char(characteristic)))
            if "notify" in characteristic.properties:
                await client.start_notify(characteristic, lambda _, d: self._battery_read(bytes(d)))
        except BleakError as error:  # a battery that cannot be read leaves the pad usable
            _LOGGER.info("Battery level not readable: %s", error)

    def _battery_read(self, data: bytes) -> None:
        if len(data) != 1 or data[0] > 100:
            _LOGGER.info("Ignoring battery level %r", data)
            return
        before, self.battery_percent = self.battery_percent, data[0]
        if before is None or before > LOW_PAD_BATTERY_PERCENT >= data[0]:
            self._tell.battery(data[0])


async def _read_hid_service(
    client: BleakClient,
) -> tuple[HidDecoder, list[tuple[BleakGATTCharacteristic, int]]]:
    """The decoder for the pad's report map and its input reports with their IDs."""
    service = client.services.get_service(HID_SERVICE)
    if service is None:
        raise GamepadLinkError(
            "the pad has no HID service",
            advice="is bluetoothd running without the hog plugin, and is the pad in BLE mode?",
        )
    report_map = service.get_characteristic(REPORT_MAP)
    if report_map is None:
        raise GamepadLinkError("the HID service has no report map")
    descriptor = parse_report_descriptor(bytes(await client.read_gatt_char(report_map)))
    reports = []
    for characteristic in service.characteristics:
        if characteristic.uuid != REPORT or "notify" not in characteristic.properties:
            continue
        reference = characteristic.get_descriptor(REPORT_REFERENCE)
        if reference is None:  # HOGP requires one; a lone report without it has no ID
            reports.append((characteristic, 0))
            continue
        value = bytes(await client.read_gatt_descriptor(reference))
        if len(value) >= 2 and value[1] == INPUT_REPORT:
            reports.append((characteristic, value[0]))
    if not reports:
        raise GamepadLinkError("the HID service has no input reports")
    return HidDecoder(descriptor), reports


def _put(queue: asyncio.Queue[tuple[int, bytes] | None], item: tuple[int, bytes] | None) -> None:
    """Queue a report, or the end (None), which is never dropped: it replaces the oldest report."""
    if queue.full():
        _LOGGER.warning("Controller reports arrive faster than they are read; dropping one")
        queue.get_nowait()
    queue.put_nowait(item)
