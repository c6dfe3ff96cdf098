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


def test_every_error_is_said_in_every_language() -> None:
    from vestsight import errors
    from vestsight.vision import faults

    classes = [
        c for module in (errors, faults) for c in vars(module).values()
        if isinstance(c, type) and issubclass(c, errors.VestsightError)
    ]  # fmt: skip
    for language in LANGUAGES:
        data = table(language)
        for error in classes:
            assert error.phrase in data[error.phrase_table], (language, error.__name__)
    english, russian = Phrases("en"), Phrases("ru")
    for error in classes:
        if error.phrase_table == "errors":  # English as it always was: the spoken text
            bare = error.__new__(error)  # its class's sentence, whatever it needs to be raised
            assert english.spoken(bare) == error.spoken, error.__name__
    assert russian.spoken(errors.CameraError("no frames")) == "проблема с камерой"
    given = errors.LlmError("x", spoken="Said as given.")
    assert russian.spoken(given) == "Said as given."
    assert russian.spoken(faults.ModelMissing("gone")) == Phrases("ru").say("objects_missing")
