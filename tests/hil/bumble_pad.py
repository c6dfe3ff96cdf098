"""The bench's emulated gamepad: a BLE HID pad (HID over GATT) on a USB Bluetooth dongle.

Bumble drives the dongle directly (its own host stack, no BlueZ on the bench side for it):
``VESTSIGHT_HIL_PAD=bumble:usb:0``. The pad advertises as a gamepad, accepts bonding (Just
Works) and notifies the input reports of `pad_report.py`, which the vest reads with its
``generic`` preset. Powering it off stops advertising and drops the link, as a pad going to
sleep does; powering it on advertises again so the vest reconnects.

Bumble is imported only here, when a bench run asks for this pad (``pip install bumble``).
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
from typing import Any

from tests.hil.pad_report import REPORT_ID, REPORT_MAP, input_report

_LOGGER = logging.getLogger(__name__)

PAD_NAME = "Vestsight Bench Pad"
APPEARANCE_GAMEPAD = 0x03C4
INPUT_REPORT = 0x01
HID_INFORMATION = bytes([0x11, 0x01, 0x00, 0x02])  # HID 1.11, no country, normally connectable


class BumblePad:
    def __init__(self, transport: str) -> None:
        self._transport_spec = transport
        self._transport: Any = None
        self._device: Any = None
        self._report: Any = None
        self._held: set[str] = set()

    async def open(self) -> None:
        from bumble.core import AdvertisingData
        from bumble.device import Device
        from bumble.gatt import (
            GATT_BATTERY_LEVEL_CHARACTERISTIC,
            GATT_BATTERY_SERVICE,
            GATT_HID_INFORMATION_CHARACTERISTIC,
            GATT_HUMAN_INTERFACE_DEVICE_SERVICE,
            GATT_PROTOCOL_MODE_CHARACTERISTIC,
            GATT_REPORT_CHARACTERISTIC,
            GATT_REPORT_MAP_CHARACTERISTIC,
            GATT_REPORT_REFERENCE_DESCRIPTOR,
            Characteristic,
            Descriptor,
            Service,
        )
        from bumble.transport import open_transport

        self._transport = await open_transport(self._transport_spec)
        source, sink = self._transport.source, self._transport.sink
        device = Device.with_hci(PAD_NAME, "F0:F1:F2:F3:F4:F5", source, sink)
        readable = Characteristic.Properties.READ
        self._report = Characteristic(
            GATT_REPORT_CHARACTERISTIC,
            readable | Characteristic.Properties.NOTIFY,
            Characteristic.READABLE,
            input_report([]),
            [
                Descriptor(
                    GATT_REPORT_REFERENCE_DESCRIPTOR,
                    Descriptor.READABLE,
                    bytes([REPORT_ID, INPUT_REPORT]),
                )
            ],
        )
        hid = Service(
            GATT_HUMAN_INTERFACE_DEVICE_SERVICE,
            [
                Characteristic(GATT_PROTOCOL_MODE_CHARACTERISTIC, readable,
                               Characteristic.READABLE, bytes([0x01])),
                Characteristic(GATT_HID_INFORMATION_CHARACTERISTIC, readable,
                               Characteristic.READABLE, HID_INFORMATION),
                Characteristic(GATT_REPORT_MAP_CHARACTERISTIC, readable,
                               Characteristic.READABLE, REPORT_MAP),
                self._report,
            ],
        )  # fmt: skip
        battery = Service(
            GATT_BATTERY_SERVICE,
            [Characteristic(GATT_BATTERY_LEVEL_CHARACTERISTIC, readable,
                            Characteristic.READABLE, bytes([100]))],
        )  # fmt: skip
        device.add_services([hid, battery])
        device.advertising_data = bytes(
            AdvertisingData(
                [
                    (AdvertisingData.COMPLETE_LOCAL_NAME, PAD_NAME.encode()),
                    (
                        AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
                        bytes(GATT_HUMAN_INTERFACE_DEVICE_SERVICE),
                    ),
                    (AdvertisingData.APPEARANCE, struct.pack("<H", APPEARANCE_GAMEPAD)),
                    (AdvertisingData.FLAGS, bytes([0x05])),
                ]
            )
        )
        self._device = device
        await device.power_on()
        await self.power_on()

    async def power_on(self) -> float:
        before = time.monotonic()
        await self._device.start_advertising(auto_restart=True)
        return before

    async def power_off(self) -> float:
        """As a pad going to sleep: no advertising, every link dropped."""
        before = time.monotonic()
        await self._device.stop_advertising()
        for connection in list(self._device.connections.values()):
            await connection.disconnect()
        return before

    async def set(self, button: str, pressed: bool) -> float:
        (self._held.add if pressed else self._held.discard)(button)
        self._report.value = input_report(self._held)
        before = time.monotonic()
        await self._device.notify_subscribers(self._report)
        return before

    async def close(self) -> None:
        if self._transport is not None:
            await asyncio.wait_for(self._transport.close(), 10)
