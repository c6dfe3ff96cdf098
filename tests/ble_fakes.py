"""bleak backends for virtual BLE HID pads: bleak's own BleakScanner and BleakClient run on top.

bleak lets a caller choose its backend (``backend=`` on BleakScanner and BleakClient); these are
backends for a radio with no radio behind it. `Air` holds the pads in range. A `VirtualPad` has the
GATT database of a HID-over-GATT pad (HID service with a real report map, input reports with
Report Reference descriptors, an optional battery service) and behaves as BlueZ reports it:

- it is found by a scan while it advertises (it stops when it sleeps or is connected);
- its HID reports answer "insufficient authentication" until the link is bonded, as real pads
  do, and pairing can be refused;
- `press` notifies the subscribed input report; `drop_link` ends the connection from the pad's
  side, which calls the disconnected callback like a supervision timeout does.

No bumble: a bumble virtual controller needs an HCI that BlueZ drives (vhci), which this machine's
kernel does not offer; the bench's real BLE dongle is the place for that.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any, ClassVar

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import (
    BleakDeviceNotFoundError,
    BleakError,
    BleakGATTProtocolError,
    BleakGATTProtocolErrorCode,
)

from vestsight.inputs.ble_pad import (
    BATTERY_LEVEL,
    HID_SERVICE,
    INPUT_REPORT,
    REPORT,
    REPORT_MAP,
    REPORT_REFERENCE,
)

BATTERY_SERVICE = "0000180f-0000-1000-8000-00805f9b34fb"


@dataclass
class VirtualPad:
    """One pad in range. `report_ids`: its input reports (0 for a map without report IDs)."""

    address: str
    name: str
    report_map: bytes
    report_ids: tuple[int, ...] = (1,)
    battery: int | None = 80
    bonded: bool = False
    accepts_pairing: bool = True
    advertising: bool = True
    link: FakeClient | None = None
    connections: int = 0
    air: Air | None = None

    def press(self, report_id: int, payload: bytes) -> bool:
        """Send one input report; False if no one is subscribed to it."""
        if self.link is None:
            return False
        return self.link.notify(("report", report_id), bytearray(payload))

    def set_battery(self, percent: int) -> bool:
        self.battery = percent
        return self.link is not None and self.link.notify(("battery", 0), bytearray([percent]))

    def drop_link(self, *, advertise: bool = False) -> None:
        """The link ends from the pad's side (out of range, switched off, asleep)."""
        if self.link is not None:
            self.link.lost(advertise=advertise)

    def wake(self) -> None:
        """Start advertising again (a press on a sleeping pad)."""
        self.advertising = True
        if self.air is not None:
            self.air.announce(self)


@dataclass
class Air:
    """The pads in range and the scanners listening; makes backends bound to itself."""

    pads: dict[str, VirtualPad] = field(default_factory=dict)
    scanners: set[FakeScanner] = field(default_factory=set)
    scans: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    """Set on every scan and connection, so a test can wait for them."""

    def add(self, pad: VirtualPad) -> VirtualPad:
        pad.air = self
        self.pads[pad.address.upper()] = pad
        self.announce(pad)
        return pad

    def announce(self, pad: VirtualPad) -> None:
        for scanner in list(self.scanners):
            scanner.heard(pad)

    def backends(self) -> tuple[type[FakeScanner], type[FakeClient]]:
        scanner = type("AirScanner", (FakeScanner,), {"air": self})
        client = type("AirClient", (FakeClient,), {"air": self})
        return scanner, client


class FakeScanner(BaseBleakScanner):
    air: ClassVar[Air]

    def __init__(
        self,
        detection_callback: Any,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)

    async def start(self) -> None:
        self.seen_devices = {}
        self.air.scans += 1
        self.air.changed.set()
        self.air.scanners.add(self)
        for pad in list(self.air.pads.values()):  # heard a moment later, as over the air
            asyncio.get_running_loop().call_soon(self.heard, pad)

    async def stop(self) -> None:
        self.air.scanners.discard(self)

    def heard(self, pad: VirtualPad) -> None:
        if self not in self.air.scanners or not pad.advertising or pad.link is not None:
            return
        advertisement = AdvertisementData(
            local_name=pad.name,
            manufacturer_data={},
            service_data={},
            service_uuids=[HID_SERVICE],
            tx_power=None,
            rssi=-55,
            platform_data=(),
        )
        device = self.create_or_update_device(
            pad.address, pad.address, pad.name, pad, advertisement
        )
        self.call_detection_callbacks(device, advertisement)


class FakeClient(BaseBleakClient):
    air: ClassVar[Air]

    def __init__(self, address_or_ble_device: BLEDevice | str, **kwargs: Any) -> None:
        super().__init__(
            address_or_ble_device,
            disconnected_callback=kwargs.pop("disconnected_callback", None),
            timeout=kwargs.pop("timeout", 10.0),
        )
        self._pad: VirtualPad | None = None
        self._values: dict[int, tuple[str, int]] = {}
        """Attribute handle -> (kind, report ID) for every readable value."""
        self._subscribers: dict[tuple[str, int], NotifyCallback] = {}

    @property
    def name(self) -> str:
        return self._pad.name if self._pad else self.address

    @property
    def mtu_size(self) -> int:
        return 23

    @property
    def is_connected(self) -> bool:
        return self._pad is not None and self._pad.link is self

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        await asyncio.sleep(0)  # connecting takes a radio exchange, never zero loop turns
        pad = self.air.pads.get(self.address.upper())
        if pad is None or not pad.advertising:
            raise BleakDeviceNotFoundError(self.address, f"Device {self.address} not found")
        if pad.link is not None:
            raise BleakError(f"{self.address} is connected to another client")
        pad.link, pad.advertising, self._pad = self, False, pad
        pad.connections += 1
        self.air.changed.set()
        self.services = self._gatt(pad)
        if pair:
            await self.pair()

    async def disconnect(self) -> None:
        if self.is_connected:
            self.lost(advertise=True)  # the host hung up; the pad is awake and advertises again

    def lost(self, *, advertise: bool) -> None:
        pad = self._pad
        if pad is None or pad.link is not self:
            return
        pad.link = None
        self._subscribers.clear()
        if self._disconnected_callback is not None:
            asyncio.get_running_loop().call_soon(self._disconnected_callback)
        if advertise:
            pad.wake()

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        pad = self._connected_pad()
        if not pad.bonded and not pad.accepts_pairing:
            raise BleakError("org.bluez.Error.AuthenticationFailed")
        pad.bonded = True

    async def unpair(self) -> None:
        self._connected_pad().bonded = False

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        pad = self._connected_pad()
        kind, _ = self._values[characteristic.handle]
        if kind == "battery":
            return bytearray([pad.battery or 0])
        self._need_bond(pad)
        if kind == "map":
            return bytearray(pad.report_map)
        raise BleakGATTProtocolError(BleakGATTProtocolErrorCode.READ_NOT_PERMITTED)

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        self._connected_pad()
        _, report_id = self._values[descriptor.handle]
        return bytearray([report_id, INPUT_REPORT])

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: Any, response: bool
    ) -> None:
        raise BleakGATTProtocolError(BleakGATTProtocolErrorCode.WRITE_NOT_PERMITTED)

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        raise BleakGATTProtocolError(BleakGATTProtocolErrorCode.WRITE_NOT_PERMITTED)

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        pad = self._connected_pad()
        key = self._values[characteristic.handle]
        if key[0] == "report":
            self._need_bond(pad)
        self._subscribers[key] = callback

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        self._connected_pad()
        self._subscribers.pop(self._values[characteristic.handle], None)

    def notify(self, key: tuple[str, int], data: bytearray) -> bool:
        callback = self._subscribers.get(key)
        if callback is None:
            return False
        callback(data)
        return True

    @property
    def subscriptions(self) -> int:
        return len(self._subscribers)

    def _connected_pad(self) -> VirtualPad:
        if self._pad is None or not self.is_connected:
            raise BleakError("Not connected")
        return self._pad

    @staticmethod
    def _need_bond(pad: VirtualPad) -> None:
        if not pad.bonded:
            raise BleakGATTProtocolError(BleakGATTProtocolErrorCode.INSUFFICIENT_AUTHENTICATION)

    def _gatt(self, pad: VirtualPad) -> BleakGATTServiceCollection:
        """Build the pad's attribute table; handles count up as on a real GATT server."""
        handles = itertools.count(1)
        services = BleakGATTServiceCollection()

        def add_service(uuid: str) -> BleakGATTService:
            service = BleakGATTService(None, next(handles), uuid)
            services.add_service(service)
            return service

        def add_char(
            service: BleakGATTService, uuid: str, properties: list[Any], value: tuple[str, int]
        ) -> BleakGATTCharacteristic:
            next(handles)  # the characteristic declaration
            characteristic = BleakGATTCharacteristic(
                None, next(handles), uuid, properties, lambda: 20, service
            )
            services.add_characteristic(characteristic)
            self._values[characteristic.handle] = value
            return characteristic

        hid = add_service(HID_SERVICE)
        add_char(hid, REPORT_MAP, ["read"], ("map", 0))
        for report_id in pad.report_ids:
            report = add_char(hid, REPORT, ["read", "notify"], ("report", report_id))
            reference = BleakGATTDescriptor(None, next(handles), REPORT_REFERENCE, report)
            services.add_descriptor(reference)
            self._values[reference.handle] = ("reference", report_id)
        if pad.battery is not None:
            battery = add_service(BATTERY_SERVICE)
            add_char(battery, BATTERY_LEVEL, ["read", "notify"], ("battery", 0))
        return services
