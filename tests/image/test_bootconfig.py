"""[system] of the card's vestsight.toml: safe defaults, bad values reported, never fatal."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path

import pytest

from vestsight.bootconfig import (
    RUN_DIR,
    Applier,
    SystemSettings,
    read_boot_config,
    render_card_config,
    speak,
)
from vestsight.config_loader import load_settings

ZONES = Path("/usr/share/zoneinfo")
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly maker@laptop"


def test_no_file_means_everything_off() -> None:
    config = read_boot_config(None, ZONES)
    assert config.system == SystemSettings()
    assert not config.system.ssh and not config.system.wifi


def test_the_app_gets_the_file_without_system_and_loads_it_cleanly(tmp_path: Path) -> None:
    text = f'[speech]\nrate = 200\n\n[system]\nhostname = "vest2"\nssh = true\nssh_keys = "{KEY}"\n'
    config = read_boot_config(text, ZONES)
    assert config.problems == ()
    assert config.system.hostname == "vest2" and config.system.ssh
    assert tomllib.loads(config.app_text) == {"speech": {"rate": 200}}
    app_file = tmp_path / "app.toml"
    app_file.write_text(config.app_text)
    loaded = load_settings(app_file)
    assert loaded.problems == () and loaded.settings.speech.rate == 200


@pytest.mark.parametrize(
    ("system", "key"),
    [
        ('hostname = "Not A Name!"', "system.hostname"),
        ('timezone = "Mars/Olympus"', "system.timezone"),
        ("ssh = true", "system.ssh"),
        ('ssh = "yes"', "system.ssh"),
        ('wifi = true\nwifi_country = "uk"\nwifi_ssid = "home"', "system.wifi_country"),
        ('wifi = true\nwifi_country = "GB"', "system.wifi_ssid"),
        ('wifi = true\nwifi_country = "GB"\nwifi_ssid = "x"\nwifi_password = "short"',
         "system.wifi_password"),
        ('ssh_keys = "not a key"', "system.ssh_keys"),
        ("colour = 3", "system.colour"),
    ],
)  # fmt: skip
def test_a_bad_value_is_named_and_the_safe_default_kept(system: str, key: str) -> None:
    config = read_boot_config(f"[system]\n{system}\n", ZONES)
    assert [problem.key for problem in config.problems] == [key]
    assert config.problems[0].spoken.startswith("config: ")
    assert not config.system.ssh and not config.system.wifi


def test_a_broken_file_goes_to_the_app_as_it_is() -> None:
    config = read_boot_config("[speech\nrate = ", ZONES)
    assert config.system == SystemSettings()
    assert config.app_text == "[speech\nrate = "  # the app says the TOML is broken


class Recorder:
    def __init__(self) -> None:
        self.commands: list[list[str]] = []

    def __call__(self, argv: Sequence[str]) -> int:
        self.commands.append(list(argv))
        return 0


def test_defaults_block_wifi_and_start_nothing(tmp_path: Path) -> None:
    runner = Recorder()
    Applier(root=tmp_path, run=runner).apply(read_boot_config(None, ZONES))
    assert ["rfkill", "block", "wlan"] in runner.commands
    assert not [cmd for cmd in runner.commands if cmd[0] in ("systemctl", "ssh-keygen")]
    assert (tmp_path / "etc/hostname").read_text() == "vestsight\n"
    assert (tmp_path / RUN_DIR.relative_to("/") / "vestsight.toml").read_text() == ""


def test_ssh_and_wifi_when_asked(tmp_path: Path) -> None:
    text = (
        f'[system]\nssh = true\nssh_keys = "{KEY}"\nwifi = true\nwifi_country = "GB"\n'
        'wifi_ssid = "home"\nwifi_password = "correct horse"\n'
    )
    runner = Recorder()
    Applier(root=tmp_path, run=runner).apply(read_boot_config(text, ZONES))
    keys = tmp_path / RUN_DIR.relative_to("/") / "ssh/maker.keys"
    assert keys.read_text() == KEY + "\n"
    assert ["systemctl", "--no-block", "start", "ssh.service"] in runner.commands
    assert any(cmd[0] == "ssh-keygen" for cmd in runner.commands)  # made on the vest, once
    wifi = tmp_path / "run/NetworkManager/system-connections/vestsight-wifi.nmconnection"
    assert wifi.stat().st_mode & 0o077 == 0
    assert "ssid=home" in wifi.read_text() and "psk=correct horse" in wifi.read_text()


def test_the_card_file_documents_every_key_and_the_vest_values() -> None:
    text = render_card_config({"camera.backend": "picamera2"})
    parsed = tomllib.loads(text)
    assert parsed["camera"]["backend"] == "picamera2"
    assert 'built-in default is "simulated"' in text
    assert set(parsed["system"]) == {
        "hostname", "timezone", "ssh", "ssh_keys", "wifi", "wifi_country", "wifi_ssid",
        "wifi_password",
    }  # fmt: skip
    assert read_boot_config(text, ZONES).problems == ()


def test_a_step_that_cannot_write_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/hostname").mkdir()  # cannot be replaced by a file: that step fails
    runner = Recorder()
    failed = Applier(root=tmp_path, run=runner).apply(read_boot_config(None, ZONES))
    assert failed == ["hostname"]
    assert (tmp_path / RUN_DIR.relative_to("/") / "vestsight.toml").exists()
    assert ["rfkill", "block", "wlan"] in runner.commands


def test_problems_at_boot_are_said_in_the_wearers_language() -> None:
    zoneinfo = ZONES
    text = '[general]\nlanguage = "ru"\n[system]\nhostname = "bad name!"\nwifi = true\n'
    config = read_boot_config(text, zoneinfo=zoneinfo)
    assert config.language == "ru"
    assert [p.key for p in config.problems] == ["system.hostname", "system.wifi_country"]
    assert config.problems[0].spoken.startswith("config: system.hostname 'bad name!' is not")
    ran: list[Sequence[str]] = []
    speak(config.problems, config.language, run=ran.append)
    assert ran and list(ran[0][:3]) == ["espeak-ng", "-v", "ru"]
    said = ran[0][3]
    assert said.startswith("настройки: system.hostname: 'bad name!' — недопустимое имя"), said
    assert "Wi-Fi остаётся выключенным" in said and "stays off" not in said
    english = read_boot_config('[general]\nlanguage = "xx"\n[system]\nwifi = true\n', zoneinfo)
    assert english.language == "en"
