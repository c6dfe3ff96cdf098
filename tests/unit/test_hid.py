"""HID maps of real pads parse, reports decode to snapshots and edges, garbage never raises."""

from __future__ import annotations

import contextlib
import logging
import random
import struct
from pathlib import Path

import pytest

from vestsight.errors import HidDescriptorError
from vestsight.inputs.hid import (
    AXIS_RZ,
    AXIS_X,
    AXIS_Y,
    AXIS_Z,
    PAGE_BUTTON,
    PAGE_CONSUMER,
    TRIGGER_ACCELERATOR,
    TRIGGER_BRAKE,
    HidDecoder,
    PadSnapshot,
    ReportDescriptor,
    Usage,
    parse_report_descriptor,
)
from vestsight.inputs.pad_maps import VEST_BUTTONS, ButtonEdge, PadTracker
from vestsight.inputs.pad_presets import (
    GENERIC,
    MICRO_DINPUT,
    MICRO_KEYBOARD,
    PRESETS,
    XBOX_WIRELESS,
)

DATA = Path(__file__).parent.parent / "data" / "hid"
HAT = Usage(0x01, 0x39)

# Real BLE notifications of an Xbox 1914 (btmon, same source as xbox_series_ble_fw5.hex).
XBOX_VIEW = bytes.fromhex("eb7e5f80eb7f85800000000000000400")
XBOX_MENU = bytes.fromhex("eb7e5f80eb7f85800000000000000800")
XBOX_SHARE = bytes.fromhex("eb7e5f80eb7f85800000000000000001")


def load(name: str) -> bytes:
    lines = (DATA / name).read_text().splitlines()
    return bytes.fromhex(" ".join(line for line in lines if not line.startswith("#")))


def descriptor(name: str) -> ReportDescriptor:
    return parse_report_descriptor(load(name))


def xbox_report(
    *, buttons: int = 0, hat: int = 0, brake: int = 0, accelerator: int = 0, share: bool = False
) -> bytes:
    """Report 1 of the 1914 pad: four 16-bit sticks, two 10-bit triggers, hat, 15+1 buttons."""
    sticks = struct.pack("<4H", 0x8000, 0x8000, 0x8000, 0x8000)
    return sticks + struct.pack("<HHBHB", brake, accelerator, hat, buttons, int(share))


def sn30_report(*, buttons: int = 0, hat: int = 0, z: int = 0, rz: int = 0) -> bytes:
    sticks = struct.pack("<4H", 0x8000, 0x8000, 0x8000, 0x8000)
    return sticks + struct.pack("<HHBH", z, rz, hat, buttons)


# --- parsing real report maps ---------------------------------------------------------------


def test_xbox_series_ble_map_has_one_input_report_with_pad_controls() -> None:
    parsed = descriptor("xbox_series_ble_fw5.hex")
    assert parsed.uses_report_ids
    assert set(parsed.reports) == {1}  # report 3 is Output (rumble): not an input report
    report = parsed.reports[1]
    assert report.byte_length == 16  # the length btmon shows for each notification
    usages = parsed.usages(1)
    assert {AXIS_X, AXIS_Y, AXIS_Z, AXIS_RZ, TRIGGER_BRAKE, TRIGGER_ACCELERATOR, HAT} <= usages
    assert {u.id for u in usages if u.page == PAGE_BUTTON} == set(range(1, 16))
    assert Usage(PAGE_CONSUMER, 0xB2) in usages  # Share ("Record")
    hat = next(f for f in report.variables if f.usage == HAT)
    assert (hat.bit_offset, hat.bit_size, hat.logical_min, hat.logical_max) == (96, 4, 1, 8)
    x = next(f for f in report.variables if f.usage == AXIS_X)
    assert (x.bit_offset, x.bit_size, x.logical_min, x.logical_max) == (0, 16, 0, 65535)


def test_xbox_one_s_map_has_three_input_reports() -> None:
    parsed = descriptor("xbox_one_s_bt_linux_mode.hex")
    assert set(parsed.reports) == {1, 2, 4}
    assert Usage(PAGE_CONSUMER, 0x224) in parsed.usages(1)  # AC Back
    assert parsed.usages(2) == {Usage(PAGE_CONSUMER, 0x223)}  # AC Home
    assert parsed.reports[2].byte_length == 1
    assert parsed.reports[4].byte_length == 1  # battery


def test_8bitdo_sn30_map_with_trailing_zero_byte_parses() -> None:
    parsed = descriptor("8bitdo_sn30_pro_plus_xinput.hex")
    assert set(parsed.reports) == {1, 2, 4}
    assert parsed.reports[1].byte_length == 15
    assert {u.id for u in parsed.usages(1) if u.page == PAGE_BUTTON} == set(range(1, 11))
    assert {AXIS_Z, AXIS_RZ, HAT} <= parsed.usages(1)


def test_boot_keyboard_map_has_modifier_bits_and_six_key_slots() -> None:
    parsed = descriptor("hid_spec_boot_keyboard.hex")
    assert not parsed.uses_report_ids
    report = parsed.reports[0]
    assert report.byte_length == 8  # Output LED bits do not count
    assert len(report.variables) == 8
    assert len(report.arrays) == 6
    assert report.arrays[0].bit_offset == 16


# --- decoding ---------------------------------------------------------------------------------


def test_real_xbox_notifications_decode_view_menu_and_share() -> None:
    decoder = HidDecoder(descriptor("xbox_series_ble_fw5.hex"))
    view, menu, share = (decoder.decode(1, r) for r in (XBOX_VIEW, XBOX_MENU, XBOX_SHARE))
    assert view is not None and view.buttons == {11}
    assert menu is not None and menu.buttons == {12}
    assert share is not None and share.consumer == {0xB2} and not share.buttons
    assert view.hat is None  # hat value 0 is outside 1..8: centred
    assert abs(view.axes[AXIS_X]) < 0.01 and abs(view.axes[AXIS_Y]) < 0.01
    assert view.axes[TRIGGER_BRAKE] == 0.0


@pytest.mark.parametrize(
    ("hat", "direction"),
    [(0, None), (1, "up"), (2, "up-right"), (3, "right"), (5, "down"), (7, "left"), (8, "up-left")],
)
def test_xbox_hat(hat: int, direction: str | None) -> None:
    snapshot = HidDecoder(descriptor("xbox_series_ble_fw5.hex")).decode(1, xbox_report(hat=hat))
    assert snapshot is not None and snapshot.hat == direction


def test_xbox_a_pressed_and_half_trigger() -> None:
    decoder = HidDecoder(descriptor("xbox_series_ble_fw5.hex"))
    snapshot = decoder.decode(1, xbox_report(buttons=0b1, accelerator=512))
    assert snapshot is not None
    assert snapshot.buttons == {1}
    assert snapshot.axes[TRIGGER_ACCELERATOR] == pytest.approx(0.5, abs=0.01)
    assert snapshot.axes[TRIGGER_BRAKE] == 0.0


def test_prefixed_report_uses_its_first_byte_as_report_id() -> None:
    decoder = HidDecoder(descriptor("xbox_one_s_bt_linux_mode.hex"))
    home = decoder.decode_prefixed(b"\x02\x01")
    assert home is not None and home.consumer == {0x223}


def test_sn30_z_and_rz_triggers_are_axes_from_minus_one() -> None:
    decoder = HidDecoder(descriptor("8bitdo_sn30_pro_plus_xinput.hex"))
    snapshot = decoder.decode(1, sn30_report(z=1023, buttons=0b10))
    assert snapshot is not None
    assert snapshot.axes[AXIS_Z] == 1.0 and snapshot.axes[AXIS_RZ] == -1.0
    assert snapshot.buttons == {2}


def test_keyboard_report_gives_pressed_usages_without_error_codes() -> None:
    decoder = HidDecoder(descriptor("hid_spec_boot_keyboard.hex"))
    snapshot = decoder.decode(0, bytes([0x02, 0, 0x06, 0x0A, 0, 0, 0, 0]))  # LeftShift, C, G
    assert snapshot is not None and snapshot.keys == {0xE1, 0x06, 0x0A}
    rollover = decoder.decode(0, bytes([0, 0, 1, 1, 1, 1, 1, 1]))
    assert rollover is not None and rollover.keys == frozenset()


# --- named edges --------------------------------------------------------------------------------


def test_xbox_edges_from_real_and_built_reports() -> None:
    decoder = HidDecoder(descriptor("xbox_series_ble_fw5.hex"))
    tracker = PadTracker(XBOX_WIRELESS.hid)
    assert tracker.update(decoder.decode(1, xbox_report())) == []
    assert tracker.update(decoder.decode(1, xbox_report(buttons=0b1))) == [("a", True)]
    assert tracker.update(decoder.decode(1, xbox_report(hat=1))) == [("a", False), ("up", True)]
    assert tracker.update(decoder.decode(1, xbox_report(hat=4))) == [
        ("up", False),
        ("down", True),
        ("right", True),
    ]
    assert tracker.update(decoder.decode(1, xbox_report(brake=1000))) == [
        ("down", False),
        ("right", False),
        ("l2", True),
    ]
    assert tracker.update(decoder.decode(1, XBOX_VIEW)) == [("l2", False), ("select", True)]
    assert tracker.update(decoder.decode(1, XBOX_MENU)) == [("select", False), ("start", True)]
    assert tracker.release_all() == [ButtonEdge("start", False)]


def test_trigger_below_threshold_is_not_pressed() -> None:
    decoder = HidDecoder(descriptor("xbox_series_ble_fw5.hex"))
    tracker = PadTracker(XBOX_WIRELESS.hid)
    assert tracker.update(decoder.decode(1, xbox_report(accelerator=300))) == []
    assert tracker.update(decoder.decode(1, xbox_report(accelerator=700))) == [("r2", True)]


@pytest.mark.parametrize(
    ("x", "y", "held"),
    [
        (127, 127, set()),
        (0, 127, {"left"}),
        (255, 127, {"right"}),
        (127, 0, {"up"}),
        (255, 255, {"right", "down"}),
    ],
)
def test_8bitdo_micro_dpad_as_axes(x: int, y: int, held: set[str]) -> None:
    """D mode sends the d-pad as X/Y 0/127/255 (logical 0..255)."""
    axes = {AXIS_X: 2 * x / 255 - 1, AXIS_Y: 2 * y / 255 - 1}
    assert MICRO_DINPUT.hid.names(PadSnapshot(axes=axes)) == held


def test_8bitdo_micro_buttons() -> None:
    tracker = PadTracker(MICRO_DINPUT.hid)
    assert tracker.update(PadSnapshot(buttons=frozenset({1, 11}))) == [
        ("a", True),
        ("select", True),
    ]
    assert tracker.update(PadSnapshot(buttons=frozenset({2, 9, 10}))) == [
        ("a", False),
        ("select", False),
        ("b", True),
        ("l2", True),
        ("r2", True),
    ]


def test_8bitdo_micro_keyboard_mode_through_a_keyboard_report() -> None:
    decoder = HidDecoder(descriptor("hid_spec_boot_keyboard.hex"))
    tracker = PadTracker(MICRO_KEYBOARD.hid)
    assert tracker.update(decoder.decode(0, bytes([0, 0, 0x06, 0, 0, 0, 0, 0]))) == [("up", True)]
    assert tracker.update(decoder.decode(0, bytes([0, 0, 0x06, 0x0A, 0, 0, 0, 0]))) == [("a", True)]
    assert tracker.update(decoder.decode(0, bytes(8))) == [("a", False), ("up", False)]


def test_generic_gamepad_order() -> None:
    names = GENERIC.hid.names(PadSnapshot(buttons=frozenset(range(1, 11)), hat="left"))
    assert names == {"a", "b", "x", "y", "l", "r", "l2", "r2", "select", "start", "left"}


def test_presets_use_only_vest_button_names() -> None:
    for preset in (p.hid for p in PRESETS.values()):
        names = {n for _, n in preset.buttons + preset.keys + preset.consumer}
        names |= {t.name for t in preset.triggers} | set(preset.hat or ())
        names |= {n for d in preset.axis_dpads for n in (d.negative, d.positive)}
        assert names <= VEST_BUTTONS, preset.name


def test_refused_report_changes_nothing() -> None:
    tracker = PadTracker(XBOX_WIRELESS.hid)
    tracker.update(PadSnapshot(buttons=frozenset({1})))
    assert tracker.update(None) == []
    assert tracker.held == {"a"}


# --- robustness -------------------------------------------------------------------------------


def test_unknown_report_id_is_refused_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    decoder = HidDecoder(descriptor("xbox_series_ble_fw5.hex"), clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="vestsight.inputs.hid"):
        assert decoder.decode(7, XBOX_VIEW) is None
        assert decoder.decode(7, XBOX_VIEW) is None
        assert len(caplog.records) == 1
        now[0] = 61.0
        assert decoder.decode(9, b"") is None
    assert len(caplog.records) == 2
    assert "not in the map" in caplog.records[0].getMessage()


def test_short_report_is_refused_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    decoder = HidDecoder(descriptor("xbox_series_ble_fw5.hex"))
    with caplog.at_level(logging.WARNING, logger="vestsight.inputs.hid"):
        assert decoder.decode(1, XBOX_VIEW[:10]) is None
        assert decoder.decode(1, b"") is None
        assert decoder.decode_prefixed(b"") is None
    assert caplog.records[0].getMessage().startswith("HID report 1 has 10 bytes")
    assert len(caplog.records) == 2  # "short" once, "empty" once


def test_oversized_report_decodes_the_known_part(caplog: pytest.LogCaptureFixture) -> None:
    decoder = HidDecoder(descriptor("xbox_series_ble_fw5.hex"))
    with caplog.at_level(logging.WARNING, logger="vestsight.inputs.hid"):
        first = decoder.decode(1, XBOX_MENU + b"\xff" * 5)
        second = decoder.decode(1, XBOX_MENU + b"\xff")
    assert first is not None and first.buttons == {12}
    assert second is not None and second.buttons == {12}
    assert len(caplog.records) == 1
    assert "extra bytes ignored" in caplog.records[0].getMessage()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "no input report"),
        (b"\x05\x01\x09\x05\xa1\x01", "not closed"),
        (b"\xc0", "End Collection without"),
        (b"\xb4", "Pop without Push"),
        (b"\x05", "truncated"),
        (b"\x27\xff\xff", "truncated"),
        (b"\xfe\x10\x00\x01", "long item runs past"),
        (b"\xfe", "long item truncated"),
        (b"\x85\x00", "report ID 0"),
        (b"\x05\x09\x19\x05\x29\x01", "bad usage range"),
        (b"\x29\x05", "Usage Maximum without"),
        (b"\x75\x08\x96\xff\xff\x09\x01\x81\x02", "longer than"),
    ],
)
def test_malformed_descriptor_raises_named_error(data: bytes, reason: str) -> None:
    with pytest.raises(HidDescriptorError, match=reason):
        parse_report_descriptor(data)


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.hex")))
def test_every_truncation_of_a_real_map_raises_only_the_named_error(name: str) -> None:
    data = load(name)
    for end in range(len(data)):
        with contextlib.suppress(HidDescriptorError):
            parse_report_descriptor(data[:end])


def test_long_items_are_skipped() -> None:
    data = load("hid_spec_boot_keyboard.hex")
    parsed = parse_report_descriptor(b"\xfe\x02\x10\xaa\xbb" + data)
    assert parsed.reports[0].byte_length == 8


def test_push_and_pop_restore_globals() -> None:
    # Usage Page Button, Push, Report Size 8, Pop: the button bits keep Report Size 1.
    data = bytes.fromhex("05 09 75 01 95 02 a4 75 08 b4 19 01 29 02 15 00 25 01 81 02")
    report = parse_report_descriptor(data).reports[0]
    assert [(f.usage.id, f.bit_offset, f.bit_size) for f in report.variables] == [
        (1, 0, 1),
        (2, 1, 1),
    ]


def test_signed_logical_range() -> None:
    # Generic Desktop X, Logical Min -127, Max 127, 8 bits.
    data = bytes.fromhex("05 01 09 30 15 81 25 7f 75 08 95 01 81 02")
    decoder = HidDecoder(parse_report_descriptor(data))
    low, high = decoder.decode(0, b"\x81"), decoder.decode(0, b"\x7f")
    assert low is not None and low.axes[AXIS_X] == -1.0
    assert high is not None and high.axes[AXIS_X] == 1.0


def test_random_reports_never_raise(caplog: pytest.LogCaptureFixture) -> None:
    rng = random.Random(1914)
    decoders = [HidDecoder(descriptor(p.name)) for p in sorted(DATA.glob("*.hex"))]
    trackers = [PadTracker(preset.hid) for preset in PRESETS.values()]
    with caplog.at_level(logging.WARNING, logger="vestsight.inputs.hid"):
        for _ in range(3000):
            payload = rng.randbytes(rng.randrange(0, 40))
            for decoder in decoders:
                snapshot = decoder.decode(rng.choice((0, 1, 2, 4, 255)), payload)
                prefixed = decoder.decode_prefixed(payload)
                for tracker in trackers:
                    tracker.update(snapshot)
                    tracker.update(prefixed)
                if snapshot is not None:
                    assert all(-1.0 <= v <= 1.0 for v in snapshot.axes.values())


def test_random_descriptors_raise_only_the_named_error() -> None:
    rng = random.Random(2024)
    real = [load(p.name) for p in sorted(DATA.glob("*.hex"))]
    for _ in range(2000):
        data = bytearray(rng.choice(real))
        for _ in range(rng.randrange(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            decoder = HidDecoder(parse_report_descriptor(bytes(data)))
        except HidDescriptorError:
            continue
        for report_id in decoder.descriptor.reports:
            decoder.decode(report_id, rng.randbytes(rng.randrange(0, 40)))
