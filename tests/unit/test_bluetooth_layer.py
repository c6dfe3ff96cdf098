"""The BlueZ configuration the image gets for the gamepad: parseable, and saying what it must."""

from __future__ import annotations

import configparser
import tomllib

from tests.conftest import REPO

LAYER = REPO / "image-build" / "layers" / "bluetooth"


def read_ini(relative: str, *, strict: bool = True) -> configparser.ConfigParser:
    """An INI file; `strict=False` for systemd units, where a key may repeat (the last wins)."""
    parser = configparser.ConfigParser(strict=strict)
    parser.optionxform = str  # BlueZ keys are CamelCase: keep their case
    with (LAYER / "files" / relative).open(encoding="utf-8") as file:
        parser.read_file(file)
    return parser


def test_bluetoothd_runs_without_hog_so_bleak_can_read_ble_pads() -> None:
    unit = read_ini("etc/systemd/system/bluetooth.service.d/vestsight.conf", strict=False)
    lines = (LAYER / "files/etc/systemd/system/bluetooth.service.d/vestsight.conf").read_text()
    assert "ExecStart=\n" in lines  # a drop-in must clear ExecStart before setting it
    assert unit["Service"]["ExecStart"].endswith("--noplugin=hog")


def test_classic_pads_must_be_bonded_and_reconnect_by_themselves() -> None:
    assert read_ini("etc/bluetooth/input.conf")["General"]["ClassicBondedOnly"] == "true"
    main = read_ini("etc/bluetooth/main.conf")
    assert main["Policy"]["AutoEnable"] == "true"
    assert int(main["Policy"]["ReconnectAttempts"]) > 0
    assert "Discoverable" not in main["General"]  # the vest is never made discoverable


def test_the_layer_names_its_packages_and_groups() -> None:
    layer = tomllib.loads((LAYER / "layer.toml").read_text(encoding="utf-8"))
    assert "bluez" in layer["packages"]["apt"]
    assert {"bluetooth", "input"} <= set(layer["users"]["vestsight_groups"])
