"""The BLE gamepad service through bleak's own public layer, on backends for virtual pads."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field

import pytest

from tests.ble_fakes import Air, VirtualPad
from tests.conftest import TIMEOUT
from tests.unit.test_hid import XBOX_MENU, XBOX_VIEW, load, xbox_report
from vestsight.aio import cancel_and_wait
from vestsight.errors import GamepadLinkError, HidDescriptorError, VestsightError
from vestsight.inputs.ble_pad import BlePad, PadCallbacks
from vestsight.inputs.pad_access import BleAccess
from vestsight.inputs.pad_presets import XBOX_WIRELESS

XBOX_MAP = load("xbox_series_ble_fw5.hex")
ALLOWED = "C8:3F:26:00:00:01"
A_BUTTON = 1 << 0  # HID button 1 is A on the Xbox pad


def xbox(address: str = ALLOWED, **kwargs: object) -> VirtualPad:
    kwargs.setdefault("report_map", XBOX_MAP)
    return VirtualPad(address, "Xbox Wireless Controller", **kwargs)  # type: ignore[arg-type]


@dataclass
class Heard:
    """Everything the service told the app, in order, with a way to wait for the next thing."""

    told: list[tuple[object, ...]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def note(self, *what: object) -> None:
        self.told.append(what)
        self.changed.set()

    def callbacks(self) -> PadCallbacks:
        return PadCallbacks(
            submit=lambda button, pressed: self.note("edge", button, pressed),
            connected=lambda name: self.note("connected", name),
            disconnected=lambda name: self.note("disconnected", name),
            refused=lambda name, address: self.note("refused", address),
            missing=lambda: self.note("missing"),
            battery=lambda percent: self.note("battery", percent),
            unusable=lambda name, error: self.note("unusable", error),
        )

    async def until(self, check: Callable[[], bool]) -> None:
        async def wait() -> None:
            while not check():
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(wait(), TIMEOUT)

    async def told_of(self, *what: object) -> None:
        await self.until(lambda: what in self.told)

    def edges(self) -> list[tuple[object, ...]]:
        return [t[1:] for t in self.told if t[0] == "edge"]


@pytest.fixture
async def air() -> AsyncIterator[Air]:
    yield Air()


async def start(air: Air, heard: Heard, addresses: Sequence[str] = ()) -> asyncio.Task[None]:
    air.changed = heard.changed  # scans and connections wake `until` too
    scanner, client = air.backends()
    access = BleAccess(
        scanner_backend=scanner, client_backend=client, scan_s=0.2, backoff=(0.01, 0.02)
    )
    pad = BlePad(
        heard.callbacks(), XBOX_WIRELESS.hid, names=["Xbox"], addresses=addresses, access=access
    )
    return asyncio.create_task(pad.run())


async def test_pad_is_bonded_read_and_its_real_reports_become_button_edges(air: Air) -> None:
    pad = air.add(xbox(battery=64))
    heard = Heard()
    task = await start(air, heard, addresses=[ALLOWED.lower()])
    await heard.told_of("connected", "Xbox Wireless Controller")
    assert pad.bonded and pad.connections == 1
    await heard.told_of("battery", 64)

    assert pad.press(1, xbox_report(buttons=A_BUTTON))
    assert pad.press(1, xbox_report())
    assert pad.press(1, XBOX_VIEW)  # real notifications captured from a Series pad
    assert pad.press(1, XBOX_MENU)
    assert pad.press(1, xbox_report(hat=1))  # hat up
    await heard.told_of("edge", "up", True)
    assert heard.edges() == [
        ("a", True),
        ("a", False),
        ("select", True),
        ("select", False),
        ("start", True),
        ("start", False),
        ("up", True),
    ]
    await cancel_and_wait([task])
    assert heard.told[-1] == ("edge", "up", False)  # let go on stop, no "disconnected"
    assert pad.link is None


async def test_link_drop_releases_held_buttons_and_the_pad_is_found_again(air: Air) -> None:
    pad = air.add(xbox())
    heard = Heard()
    task = await start(air, heard)
    await heard.told_of("connected", "Xbox Wireless Controller")
    pad.press(1, xbox_report(buttons=A_BUTTON))
    await heard.told_of("edge", "a", True)

    pad.drop_link()  # it went to sleep with a finger on A
    await heard.told_of("disconnected", "Xbox Wireless Controller")
    assert heard.told[-2:] == [("edge", "a", False), ("disconnected", "Xbox Wireless Controller")]
    scans = air.scans
    await heard.until(lambda: air.scans > scans + 1)  # searching again, with the backoff
    pad.wake()
    await heard.until(lambda: [t[0] for t in heard.told].count("connected") == 2)
    assert pad.connections == 2
    pad.press(1, xbox_report(buttons=A_BUTTON))
    await heard.told_of("edge", "a", True)
    await cancel_and_wait([task])


async def test_address_not_allowed_is_refused_once_and_never_connected(air: Air) -> None:
    stranger = air.add(xbox("11:22:33:44:55:66"))
    heard = Heard()
    task = await start(air, heard, addresses=[ALLOWED])
    await heard.told_of("refused", "11:22:33:44:55:66")
    scans = air.scans
    await heard.until(lambda: air.scans >= scans + 3)
    assert heard.told.count(("refused", "11:22:33:44:55:66")) == 1
    assert stranger.connections == 0 and not stranger.bonded

    mine = air.add(xbox())
    await heard.told_of("connected", "Xbox Wireless Controller")
    assert mine.connections == 1
    await cancel_and_wait([task])


async def test_no_pad_in_reach_is_told_once_then_the_pad_connects(air: Air) -> None:
    heard = Heard()
    task = await start(air, heard)
    await heard.told_of("missing")
    await heard.until(lambda: air.scans >= 3)
    assert heard.told == [("missing",)]
    air.add(xbox())
    await heard.told_of("connected", "Xbox Wireless Controller")
    await cancel_and_wait([task])


async def test_pad_refusing_to_pair_is_unusable_told_once_and_retried(
    air: Air, caplog: pytest.LogCaptureFixture
) -> None:
    pad = air.add(xbox(accepts_pairing=False))
    heard = Heard()
    task = await start(air, heard)
    await heard.until(lambda: pad.connections >= 3)
    unusable = [t for t in heard.told if t[0] == "unusable"]
    assert len(unusable) == 1
    assert isinstance(unusable[0][1], GamepadLinkError)
    assert "AuthenticationFailed" in caplog.text
    assert not any(t[0] == "connected" for t in heard.told)

    pad.accepts_pairing = True  # the maker paired it again
    await heard.told_of("connected", "Xbox Wireless Controller")
    await cancel_and_wait([task])


@pytest.mark.parametrize(
    ("pad", "error"),
    [
        (xbox(report_map=bytes([0xC0])), HidDescriptorError),  # End Collection with none open
        (xbox(report_ids=()), GamepadLinkError),  # a HID service without input reports
    ],
    ids=["bad-report-map", "no-input-reports"],
)
async def test_pad_that_cannot_be_read_is_unusable(
    air: Air, pad: VirtualPad, error: type[VestsightError]
) -> None:
    air.add(pad)
    heard = Heard()
    task = await start(air, heard)
    await heard.until(lambda: pad.connections >= 2)
    told = [t for t in heard.told if t[0] == "unusable"]
    assert len(told) == 1 and isinstance(told[0][1], error)
    assert told[0][1].spoken  # the app has a sentence to say
    assert pad.link is None  # never left connected to a pad it cannot read
    await cancel_and_wait([task])


async def test_garbage_reports_are_logged_and_the_pad_keeps_working(
    air: Air, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    pad = air.add(xbox(report_ids=(1, 7)))  # report 7 is not in its report map
    heard = Heard()
    task = await start(air, heard)
    await heard.told_of("connected", "Xbox Wireless Controller")
    for size in (0, 1, 15):  # short: ignored
        pad.press(1, os.urandom(size))
    pad.press(1, xbox_report() + os.urandom(600))  # oversized: the extra bytes are ignored
    assert pad.press(7, xbox_report(buttons=A_BUTTON))
    pad.press(1, xbox_report(buttons=A_BUTTON))
    await heard.told_of("edge", "a", True)
    assert heard.edges() == [("a", True)]
    logged = caplog.text
    assert "expected: ignored" in logged and "extra bytes ignored" in logged
    assert "not in the map" in logged
    await cancel_and_wait([task])


async def test_low_pad_battery_is_told_when_it_crosses_the_line(air: Air) -> None:
    pad = air.add(xbox(battery=40))
    heard = Heard()
    task = await start(air, heard)
    await heard.told_of("battery", 40)
    pad.set_battery(30)
    pad.set_battery(12)
    pad.set_battery(11)
    await heard.told_of("battery", 12)
    assert [t for t in heard.told if t[0] == "battery"] == [("battery", 40), ("battery", 12)]
    await cancel_and_wait([task])


def test_a_pad_needs_something_to_look_for() -> None:
    with pytest.raises(ValueError, match="name or an address"):
        BlePad(Heard().callbacks(), XBOX_WIRELESS.hid)
