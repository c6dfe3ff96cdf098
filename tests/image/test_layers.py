"""The image's declarative parts: layers, profiles, units and scripts parse and say their part."""

from __future__ import annotations

import configparser
import subprocess
from pathlib import Path

import pytest
from vsimage.config import IMAGE_BUILD, load_config
from vsimage.layers import load_layer

LAYERS = sorted(path for path in (IMAGE_BUILD / "layers").iterdir() if path.is_dir())


@pytest.mark.parametrize("layer", LAYERS, ids=lambda path: path.name)
def test_every_layer_loads(layer: Path) -> None:
    loaded = load_layer(layer)
    assert loaded.description


@pytest.mark.parametrize("profile", ["full", "ci", "smoke"])
def test_profiles_compose_every_layer(profile: str) -> None:
    config = load_config(profile)
    names = [layer.name for layer in config.layers]
    assert names[0] == "system" and "bluetooth" in names
    assert names[names.index("vestsight") + 1 :] == (["smoke"] if profile == "smoke" else [])
    packages = config.packages()
    for needed in ("python3", "espeak-ng", "bluez", "openssh-server", "systemd"):
        assert needed in packages
    assert ("python3-picamera2" in packages) == (config.base.get("url") is not None)


def test_the_maker_base_is_pinned_raspberry_pi_os_bookworm() -> None:
    base = load_config("full").base
    assert base["url"].startswith("https://downloads.raspberrypi.com/raspios_lite_arm64/")
    assert "bookworm-arm64-lite" in base["url"]
    assert len(base["sha256"]) == 64


def unit(relative: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(IMAGE_BUILD / "layers" / relative)
    return parser


def test_the_main_unit_is_a_watched_notify_service_of_an_unprivileged_user() -> None:
    service = unit("vestsight/files/etc/systemd/system/vestsight.service")["Service"]
    assert service["Type"] == "notify"
    assert service["Restart"] == "always"
    assert int(service["WatchdogSec"]) > 0
    assert service["User"] == "vestsight"
    assert {"gpio", "video", "bluetooth", "audio", "input"} <= set(
        service["SupplementaryGroups"].split()
    )
    # The worker is a child in this unit: an OOM kill of it must not stop the vest.
    assert service["OOMPolicy"] == "continue"
    assert service["Slice"] == "vestsight.slice"
    assert service["IPAddressDeny"] == "any"


def test_the_slice_bounds_memory() -> None:
    sliced = unit("vestsight/files/etc/systemd/system/vestsight.slice")["Slice"]
    assert sliced["MemoryMax"].endswith("%")
    # The measured need (make bench-memory) is protected, and fits under MemoryHigh on a 4 GB Pi.
    assert sliced["MemoryLow"].endswith("M")
    protected = int(sliced["MemoryLow"][:-1]) * 2**20
    assert 2 * 10**9 <= protected < int(sliced["MemoryHigh"][:-1]) / 100 * 4 * 2**30


def test_overlay_init_is_a_valid_shell_script() -> None:
    script = IMAGE_BUILD / "layers/readonly/files/usr/lib/vestsight/overlay-init"
    assert script.stat().st_mode & 0o111
    subprocess.run(["sh", "-n", str(script)], check=True, timeout=30)
    text = script.read_text()
    assert "pivot_root" in text and "exec /sbin/init" in text


def test_ssh_allows_keys_only() -> None:
    text = (IMAGE_BUILD / "layers/network/files/etc/ssh/sshd_config.d/vestsight.conf").read_text()
    assert "PasswordAuthentication no" in text
    assert "PermitRootLogin no" in text
    assert "HostKey /var/lib/vestsight/system/" in text


def test_the_power_layer_turns_i2c_on_and_makes_the_power_button_a_clean_shutdown() -> None:
    layer = load_layer(IMAGE_BUILD / "layers/power")
    assert "dtparam=i2c_arm=on" in layer.boot_config
    assert "i2c" in layer.vestsight_groups
    service = unit("vestsight/files/etc/systemd/system/vestsight.service")["Service"]
    assert "i2c" in service["SupplementaryGroups"].split()
    logind = unit("power/files/etc/systemd/logind.conf.d/vestsight.conf")["Login"]
    assert logind["HandlePowerKey"] == "poweroff"
    assert int(logind["InhibitDelayMaxSec"]) >= 10  # the app's hook gives up at 9 s
    rule = IMAGE_BUILD / "layers/power/files/etc/polkit-1/rules.d/50-vestsight-power.rules"
    assert '"vestsight"' in rule.read_text() and "login1.power-off" in rule.read_text()
    for profile in ("full", "ci", "smoke"):
        assert "power" in [layer.name for layer in load_config(profile).layers]
