"""Every language file says everything; a missing phrase falls back to English."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from vestsight.names import COMMAND_NAMES, GAMEPAD_BUTTONS, LANGUAGES
from vestsight.phrases import Phrases
from vestsight.settings import GpioSettings


def table(language: str) -> dict:
    text = resources.files("vestsight").joinpath("lang", f"{language}.toml").read_text("utf-8")
    return tomllib.loads(text)


def keys(data: dict, prefix: str = "") -> set[str]:
    found = set()
    for key, value in data.items():
        found |= keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_file_is_complete(language: str) -> None:
    assert keys(table(language)) == keys(table("en"))
    data = table(language)
    assert set(COMMAND_NAMES) <= set(data["commands"])
    assert set(GAMEPAD_BUTTONS) | set(GpioSettings().buttons) <= set(data["buttons"])


def test_phrases_in_russian() -> None:
    phrases = Phrases("ru")
    assert phrases.voice == "ru"
    assert phrases.say("ready") == "Вестсайт готов."
    assert phrases.join(["красный", "синий", "белый"]) == "красный, синий и белый"


def test_missing_phrase_falls_back_to_english(caplog: pytest.LogCaptureFixture) -> None:
    phrases = Phrases("ru")
    phrases._table["phrases"].pop("ready")
    assert phrases.say("ready") == "Vestsight ready."
    assert "missing" in caplog.text
