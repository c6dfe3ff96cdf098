"""Config loading never crashes: bad values fall back to defaults and are reported once."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPO
from vestsight.bootconfig import read_boot_config
from vestsight.config_doc import render_toml
from vestsight.config_loader import ConfigProblem, load_settings
from vestsight.phrases import Phrases, Word
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
        ("[speech]\nvolume = 0\n", "speech.volume", "config: speech.volume 0 is out of range, using 100"),
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


def test_a_broken_table_header_loses_only_its_table_and_says_its_line(tmp_path: Path) -> None:
    loaded = load(tmp_path, '[speech\nrate = 100\n[general]\nlanguage = "ru"\n')
    assert loaded.settings.speech == Settings().speech
    assert loaded.settings.general.language == "ru"
    assert [p.spoken for p in loaded.problems] == [
        "config: line 1 is not a valid table header, its table is ignored"
    ]


def test_a_table_written_twice_is_read_as_one(tmp_path: Path) -> None:
    loaded = load(
        tmp_path,
        "[speech]\nrate = 200\n[haptics]\nstrength = 0.5\n[speech]\nvolume = 120\nrate = 90\n",
    )
    assert (loaded.settings.speech.rate, loaded.settings.speech.volume) == (200, 120)
    assert loaded.settings.haptics.strength == 0.5
    assert [p.spoken for p in loaded.problems] == [
        "config: line 5 repeats the table speech of line 1, read as one",
        "config: line 7 sets speech.rate again, the first is used",
    ]


def test_a_byte_that_is_not_utf8_is_named_by_its_line(tmp_path: Path) -> None:
    path = tmp_path / "vestsight.toml"
    path.write_bytes(b'# caf\xe9\n[speech]\nrate = 200\nvoice = "en\xff"\n')
    loaded = load_settings(path)
    assert loaded.settings.speech.rate == 200
    assert loaded.settings.speech.voice == ""  # its meaning is lost: the default
    assert [p.spoken for p in loaded.problems] == [
        "config: line 1 has bytes that are not UTF-8 text",
        "config: line 4 has bytes that are not UTF-8 text",
        "config: speech.voice has bytes that are not UTF-8 text, ignored",
    ]


def test_bad_lines_are_left_out_and_the_rest_is_read(tmp_path: Path) -> None:
    loaded = load(
        tmp_path,
        '[speech]\nrate = 100 200\nvolume = 50\n[camera]\nbackend = "picamera2\n'
        '[general]\nlanguage = "ru"\n',
    )
    assert loaded.settings.speech.volume == 50
    assert loaded.settings.camera.backend == "simulated"
    assert loaded.settings.general.language == "ru"
    assert [p.spoken for p in loaded.problems] == [
        "config: line 2 is not valid TOML, ignored",
        "config: line 5 is not valid TOML, ignored",
    ]


def test_the_images_values_are_the_defaults_of_a_vest(tmp_path: Path) -> None:
    image = tmp_path / "image.toml"
    image.write_text(
        '[camera]\nbackend = "picamera2"\n[gpio]\nbackend = "lgpio"\n'
        '[general]\nrun_dir = "/var/lib/vestsight/app"\n[system]\nssh = false\n'
    )
    path = tmp_path / "vestsight.toml"
    path.write_bytes(
        b'[camera]\nbackend = "picamra2"\n[general\nrun_dir = "x"\n[speech]\nrate = 200\n'
    )
    loaded = load_settings(path, image=image)
    assert loaded.settings.camera.backend == "picamera2"  # a typo keeps the vest's camera
    assert loaded.settings.gpio.backend == "lgpio"
    assert loaded.settings.general.run_dir == "/var/lib/vestsight/app"
    assert loaded.settings.speech.rate == 200
    assert [p.spoken for p in loaded.problems] == [
        "config: line 3 is not a valid table header, its table is ignored",
        'config: camera.backend "picamra2" is not one of simulated, picamera2, using "picamera2"',
    ]
    assert load_settings(None, image=image).settings.camera.backend == "picamera2"


def test_a_button_on_the_motors_pin_is_ignored_with_the_reason(tmp_path: Path) -> None:
    loaded = load(
        tmp_path, "[gpio]\nmotor_pin = 17\n[gpio.buttons]\nmain = 17\nstop = 27\nextra = 27\n"
    )
    assert loaded.settings.gpio.buttons == {"stop": 27}
    assert loaded.settings.gpio.motor_pin == 17
    assert [p.spoken for p in loaded.problems] == [
        "config: gpio.buttons.main uses GPIO17, the pin of the motor; that button is ignored",
        "config: gpio.buttons.extra uses GPIO27, the pin of the stop button; that button is ignored",
    ]


def test_an_unknown_vest_button_name_is_said(tmp_path: Path) -> None:
    loaded = load(
        tmp_path,
        '[buttons]\ngpio_talk = "talk"\n[buttons.gpio]\nmian = "describe"\nstop = "stop"\n',
    )
    assert loaded.settings.buttons.gpio == {"stop": "stop"}
    assert loaded.settings.buttons.gpio_talk == ""
    assert sorted(p.key for p in loaded.problems) == ["buttons.gpio.mian", "buttons.gpio_talk"]


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


# --- said in the wearer's language (issue 13) -------------------------------------------------

SAID_CASES = {
    "wrong_type": '[speech]\nrate = "fast"\nvoice = 3\n[llm]\ntemperature = true\n',
    "out_of_range": "[speech]\nrate = 9000\n",
    "not_choice": '[camera]\nbackend = "usb"\n',
    "unknown_key": "[speech]\nspeed = 3\n",
    "not_section": "speech = 3\n",
    "not_table": "[buttons]\ngamepad = 3\n",
    "table_entries": '[buttons.gamepad]\nz = "stop"\nb = "dance"\nx = 3\n[gpio.buttons]\nmain = 40\n',
    "pins": "[gpio]\nmotor_pin = 17\n[gpio.buttons]\nmain = 17\nstop = 27\nextra = 27\n",
    "button_names": '[buttons]\ngpio_talk = "talk"\n[buttons.gpio]\nmian = "describe"\n',
    "header_invalid": '[speech\nrate = 100\n[general]\nlanguage = "ru"\n',
    "repeated": "[speech]\nrate = 200\n[haptics]\nstrength = 0.5\n[speech]\nrate = 90\n",
    "invalid_lines": "a = 1 2\nb = 1 2\n\nc = 1 2\n\nd = 1 2\n\ne = 1 2\n\nf = 1 2\n",
}  # fmt: skip
TECHNICAL = re.compile(r"\b(true|false|GPIO|gpio\.buttons|SSH|Wi-Fi)\b|Wi-Fi")
"""Written as in the file, so said as they are in every language, like the settings' names."""


def said_problems(tmp_path: Path) -> list[ConfigProblem]:
    problems = [p for text in SAID_CASES.values() for p in load(tmp_path, text).problems]
    path = tmp_path / "not-utf8.toml"
    path.write_bytes(b'# caf\xe9\n[speech]\nvoice = "en\xff"\n')
    problems += load_settings(path).problems
    problems += load_settings(tmp_path / "nope.toml").problems
    problems += load_settings(tmp_path).problems  # a folder: cannot be read
    for system in BOOT_CASES:  # the card's [system] table, checked at boot (vestsight.bootconfig)
        problems += read_boot_config(system, ZONES).problems
    return problems


ZONES = Path("/usr/share/zoneinfo")
BOOT_CASES = (
    "system = 3\n",
    '[system]\nhostname = "bad name!"\ntimezone = "Mars/Base"\nssh = true\nssh_keys = "nope"\n',
    '[system]\nwifi = true\nwifi_country = "England"\n',
    '[system]\nwifi = true\nwifi_country = "GB"\n',
    '[system]\nwifi = true\nwifi_country = "GB"\nwifi_ssid = "home"\nwifi_password = "short"\n',
)


def test_every_config_problem_is_said_in_english_as_it_is_logged(tmp_path: Path) -> None:
    problems = said_problems(tmp_path)
    said = {p.phrase for p in problems}
    assert said == set(Phrases("en").keys("config"))  # every kind of problem is tried here
    english = Phrases("en")
    for problem in problems:
        assert english.spoken(problem) == problem.spoken
        assert problem.spoken.startswith("config: ")


def test_a_russian_vest_says_every_config_problem_in_russian(tmp_path: Path) -> None:
    russian = Phrases("ru")
    for problem in said_problems(tmp_path):
        text = russian.spoken(problem)
        assert text.startswith("настройки: "), text
        for _name, value in problem.values:
            if not isinstance(value, Word):
                text = text.replace(str(value), "")  # names and values, as written in the file
        assert not re.search("[A-Za-z]", TECHNICAL.sub("", text)), russian.spoken(problem)


@pytest.mark.parametrize(
    ("text", "english", "russian"),
    [
        ("[speech]\nrate = 9000\n", "config: speech.rate 9000 is out of range, using 175",
         "настройки: speech.rate: 9000 вне допустимых пределов, используется 175"),
        ('[speech]\nrate = "fast"\n', "config: speech.rate must be a whole number, using 175",
         "настройки: параметр speech.rate должен быть целым числом, используется 175"),
        ("[haptics]\nenabled = 1\n", "config: haptics.enabled must be true or false, using true",
         "настройки: параметр haptics.enabled должен быть true или false, используется true"),
        ("[speech]\nvoice = 3\n", "config: speech.voice must be text, using empty",
         "настройки: параметр speech.voice должен быть текстом, используется пустое значение"),
        ('[camera]\nbackend = "usb"\n',
         'config: camera.backend "usb" is not one of simulated, picamera2, using "simulated"',
         'настройки: camera.backend: "usb" не входит в список: simulated, picamera2; '
         'используется "simulated"'),
        ("[speech]\nspeed = 3\n", "config: unknown key speech.speed, ignored",
         "настройки: неизвестный параметр speech.speed, он пропущен"),
        ("[speech]\nrate = 100 200\n", "config: line 2 is not valid TOML, ignored",
         "настройки: строка 2 записана с ошибкой, она пропущена"),
        ("[gpio.buttons]\nmain = 18\n",
         "config: gpio.buttons.main uses GPIO18, the pin of the motor; that button is ignored",
         "настройки: gpio.buttons.main использует GPIO18, пин вибромотора; эта кнопка пропущена"),
    ],
)  # fmt: skip
def test_a_config_problem_is_said_in_the_wearers_language(
    tmp_path: Path, text: str, english: str, russian: str
) -> None:
    [problem] = load(tmp_path, text).problems
    assert problem.spoken == english  # logged and printed in English
    assert Phrases("en").spoken(problem) == english
    assert Phrases("ru").spoken(problem) == russian


def test_a_problem_given_in_english_only_is_said_as_it_is() -> None:
    problem = ConfigProblem("system", "config: system must be a section, using defaults")
    assert Phrases("ru").spoken(problem) == problem.spoken
