"""Config loading never crashes: bad values fall back to defaults and are reported once."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPO
from vestsight.config_doc import render_toml
from vestsight.config_loader import load_settings
from vestsight.settings import Settings


def load(tmp_path: Path, text: str):
    path = tmp_path / "vestsight.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path)


def test_no_file_means_defaults_without_problems() -> None:
    loaded = load_settings(None)
    assert loaded.settings == Settings()
    assert loaded.problems == ()


def test_good_values_are_used(tmp_path: Path) -> None:
    loaded = load(
        tmp_path,
        '[speech]\nrate = 220\nvoice = "en-us"\n[general]\nlanguage = "ru"\n'
        "[llm]\ntemperature = 1\n[gpio.buttons]\nmain = 5\n",
    )
    assert loaded.problems == ()
    assert loaded.settings.speech.rate == 220
    assert loaded.settings.speech.voice == "en-us"
    assert loaded.settings.general.language == "ru"
    assert loaded.settings.llm.temperature == 1.0
    assert isinstance(loaded.settings.llm.temperature, float)
    assert loaded.settings.gpio.buttons == {"main": 5}


def test_out_of_range_value_falls_back_and_is_spoken(tmp_path: Path) -> None:
    loaded = load(tmp_path, "[speech]\nrate = 9000\nvolume = 50\n")
    assert loaded.settings.speech.rate == 175
    assert loaded.settings.speech.volume == 50
    assert [p.spoken for p in loaded.problems] == [
        "config: speech.rate 9000 is out of range, using 175"
    ]


@pytest.mark.parametrize(
    ("text", "key", "spoken"),
    [
        ('[speech]\nrate = "fast"\n', "speech.rate", "config: speech.rate must be a whole number, using 175"),
        ("[speech]\nrate = 17.5\n", "speech.rate", "config: speech.rate must be a whole number, using 175"),
        ("[haptics]\nenabled = 1\n", "haptics.enabled", "config: haptics.enabled must be true or false, using true"),
        ('[camera]\nbackend = "usb"\n', "camera.backend", 'config: camera.backend "usb" is not one of simulated, picamera2, using "simulated"'),
        ("[speech]\nspeed = 3\n", "speech.speed", "config: unknown key speech.speed, ignored"),
        ("[wifi]\nssid = 3\n", "wifi", "config: unknown key wifi, ignored"),
        ("speech = 3\n", "speech", "config: speech must be a section, using defaults"),
        ("[llm]\ntemperature = true\n", "llm.temperature", "config: llm.temperature must be a number, using 0.4"),
    ],
)  # fmt: skip
def test_bad_value_falls_back(tmp_path: Path, text: str, key: str, spoken: str) -> None:
    loaded = load(tmp_path, text)
    assert loaded.settings == Settings()
    assert [(p.key, p.spoken) for p in loaded.problems] == [(key, spoken)]


def test_table_entries_are_checked_one_by_one(tmp_path: Path) -> None:
    loaded = load(
        tmp_path,
        '[buttons.gamepad]\na = "describe"\nz = "stop"\nb = "dance"\nx = 3\n'
        "[gpio.buttons]\nmain = 40\nstop = 22\n",
    )
    assert loaded.settings.buttons.gamepad == {"a": "describe"}
    assert loaded.settings.gpio.buttons == {"stop": 22}
    assert sorted(p.key for p in loaded.problems) == [
        "buttons.gamepad.b",
        "buttons.gamepad.x",
        "buttons.gamepad.z",
        "gpio.buttons.main",
    ]


def test_invalid_toml_means_defaults(tmp_path: Path) -> None:
    loaded = load(tmp_path, "[speech\nrate = 100\n")
    assert loaded.settings == Settings()
    assert len(loaded.problems) == 1
    assert loaded.problems[0].spoken.startswith("config: the file is not valid TOML")
    assert loaded.problems[0].spoken.endswith("using defaults")


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    missing = load_settings(tmp_path / "nope.toml")
    assert missing.settings == Settings()
    assert "not found" in missing.problems[0].spoken
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    unreadable = load_settings(binary)
    assert unreadable.settings == Settings()
    assert unreadable.problems


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.speech.rate = 100  # type: ignore[misc]


def test_repo_config_is_the_documented_defaults() -> None:
    path = REPO / "device" / "vestsight.toml"
    loaded = load_settings(path)
    assert loaded.problems == ()
    assert loaded.settings == Settings()
    text = path.read_text(encoding="utf-8")
    for line in render_toml().splitlines()[2:]:
        assert line in text, f"device/vestsight.toml lacks: {line}"


def test_rendered_config_documents_every_key() -> None:
    text = render_toml()
    parsed = tomllib.loads(text)
    for section in dataclasses.fields(Settings):
        for fld in dataclasses.fields(getattr(Settings(), section.name)):
            assert fld.name in parsed[section.name]
            assert f"# {fld.metadata['help']}" in text
