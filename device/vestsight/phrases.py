"""What the vest says, per language: one TOML file per language in `vestsight/lang/`.

A phrase missing from a language file falls back to English (and is logged once), so a partial
translation never makes the vest silent.
"""

from __future__ import annotations

import functools
import logging
import tomllib
from collections.abc import Iterable
from importlib import resources
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import VestsightError

if TYPE_CHECKING:
    from .config_loader import ConfigProblem

_LOGGER = logging.getLogger(__name__)

FALLBACK_LANGUAGE = "en"


class Word(NamedTuple):
    """A value of a sentence that is itself a word of the language files (`Phrases.word`), so
    it is said in the sentence's language: e.g. ``Word("config_words", "whole_number")``."""

    group: str
    key: str


def _load_language_file(language: str) -> dict[str, Any]:
    text = resources.files("vestsight").joinpath("lang", f"{language}.toml").read_text("utf-8")
    return tomllib.loads(text)


def plural_form(n: int, forms: str, rule: str) -> str:
    """The form of `forms` ("one|other" or "one|few|many") for `n` under a language's rule."""
    choices = forms.split("|")
    if rule == "slavic" and len(choices) == 3:
        if n % 10 == 1 and n % 100 != 11:
            return choices[0]
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return choices[1]
        return choices[2]
    return choices[0] if n == 1 else choices[-1]


@functools.cache
def plural_rule(language: str) -> str:
    """The plural rule a language file names (read once per language)."""
    return str(_load_language_file(language).get("plural_rule", "one_other"))


class Phrases:
    """The wearer's language. One object for the whole vest: `switch` changes it for everyone
    holding it, so no part goes on speaking the language the vest started in."""

    def __init__(self, language: str) -> None:
        self.switch(language)

    def switch(self, language: str) -> None:
        self.language = language
        self._table = _load_language_file(language)
        self._fallback = (
            self._table if language == FALLBACK_LANGUAGE else _load_language_file(FALLBACK_LANGUAGE)
        )
        self._warned: set[str] = set()

    @property
    def voice(self) -> str:
        return str(self._table.get("voice", self._fallback["voice"]))

    def _lookup(self, group: str, key: str) -> str:
        value = self._table.get(group, {}).get(key)
        if value is None:
            if f"{group}.{key}" not in self._warned:
                self._warned.add(f"{group}.{key}")
                _LOGGER.warning("Phrase %s.%s missing for %s", group, key, self.language)
            value = self._fallback.get(group, {}).get(key, key)
        return str(value)

    def say(self, key: str, **values: object) -> str:
        """The phrase `key` with `{placeholders}` filled in, starting with a capital letter."""
        text = self._lookup("phrases", key).format(**values)
        return text[:1].upper() + text[1:]

    def spoken(self, error: VestsightError | ConfigProblem) -> str:
        """What the wearer hears of `error` or of a problem of the config file, in this language
        (a sentence given in English only, when there is no phrase key, is said as it is)."""
        if not error.phrase:
            return error.spoken
        values: dict[str, object] = {}
        if not isinstance(error, VestsightError):
            values = {
                name: self.word(*value) if isinstance(value, Word) else value
                for name, value in error.values
            }
        if error.phrase_table == "phrases":
            return self.say(error.phrase, **values)
        text = self._lookup(error.phrase_table, error.phrase)
        return text.format(**values) if values else text

    def word(self, group: str, key: str) -> str:
        """A single word from a group: ``colours``, ``light``, ``buttons``, ``commands``..."""
        return self._lookup(group, key)

    def keys(self, group: str) -> list[str]:
        """The keys of a group, in file order: e.g. the places a wearer can choose from."""
        return list(self._table.get(group) or self._fallback.get(group, {}))

    def prompt(self, key: str, **values: object) -> str:
        """A prompt for the model, written in this language."""
        return self._lookup("prompts", key).format(**values)

    def plural(self, n: int, forms: str) -> str:
        """The form of a word for `n` things; `forms` is "one|other" or "one|few|many"."""
        return plural_form(n, forms, str(self._table.get("plural_rule", "one_other")))

    def phrase_list(self, key: str) -> list[str]:
        """A top-level list of the language file, e.g. ``answer_openers``."""
        values = self._table.get(key, self._fallback.get(key, []))
        return [str(v) for v in values]

    def join(self, items: Iterable[str]) -> str:
        """'a, b and c' in this language."""
        words = list(items)
        if len(words) <= 1:
            return "".join(words)
        return f"{', '.join(words[:-1])} {self._table.get('list_and', 'and')} {words[-1]}"
