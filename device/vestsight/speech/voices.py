"""Which voice reads which alphabet: a Cyrillic line by the Russian voice, a Latin line by the
English voice, whatever language the vest speaks.

Each language file names its espeak-ng voice and the Unicode scripts it reads, its own first
(en: LATIN; ru: CYRILLIC, then LATIN). A text is given to the language whose own script most of its
distinct letters are in (letters shared by Latin and Cyrillic, such as "A" or "о", do not decide).
Text in a script no language owns (Greek, Chinese, Arabic...) has no voice.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from ..names import LANGUAGES
from ..phrases import Phrases

_LOGGER = logging.getLogger(__name__)

LOOK_ALIKE_PAIRS = "AА BВ CС EЕ HН KК MМ OО PР TТ XХ YУ aа cс eе oо pр xх yу"
"""Latin and Cyrillic letters that look the same (Latin first)."""
LOOK_ALIKES = frozenset(LOOK_ALIKE_PAIRS.replace(" ", ""))
"""Look-alikes say nothing about a text's alphabet."""
_IN_SCRIPT = {
    "CYRILLIC": {pair[0]: pair[1] for pair in LOOK_ALIKE_PAIRS.split()},
    "LATIN": {pair[1]: pair[0] for pair in LOOK_ALIKE_PAIRS.split()},
}
UNVOICED_SHARE = 0.5
"""A text with at least this share of its letters in scripts without a voice cannot be said."""


def script_of(char: str) -> str:
    """A letter's Unicode script (LATIN, CYRILLIC, GREEK, CJK...); "" for anything else."""
    if not char.isalpha():
        return ""
    return unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]


def in_script(word: str, script: str) -> str:
    """`word` with its look-alike letters written in `script` (LATIN or CYRILLIC)."""
    table = _IN_SCRIPT.get(script, {})
    return "".join(table.get(char, char) for char in word)


def letter_scripts(text: str) -> Counter[str]:
    """How many letters of `text` are in each script, look-alikes only when nothing else is."""
    distinct = Counter(s for ch in text if ch not in LOOK_ALIKES and (s := script_of(ch)))
    return distinct or Counter(s for ch in text if (s := script_of(ch)))


@dataclass(frozen=True)
class VoiceBook:
    voices: dict[str, str]
    """language -> espeak-ng voice."""
    owners: dict[str, str]
    """script -> the language whose own (first) script it is."""

    @classmethod
    def from_languages(cls, languages: tuple[str, ...] = LANGUAGES) -> VoiceBook:
        voices, owners = {}, {}
        for code in languages:
            phrases = Phrases(code)
            voices[code] = phrases.voice
            own = phrases.phrase_list("scripts")
            if own and own[0] not in owners:
                owners[own[0]] = code
        return cls(voices, owners)

    def script_of_language(self, language: str) -> str:
        """The script a language owns ("" when none)."""
        return next((script for script, code in self.owners.items() if code == language), "")

    def language_of_voice(self, voice: str) -> str | None:
        """The language a voice speaks: by the language files, else its name ("en-us": en)."""
        for code, name in self.voices.items():
            if name == voice:
                return code
        prefix = re.split(r"[-_+]", voice, maxsplit=1)[0]
        return prefix if prefix in self.voices else None

    def language_of(self, text: str) -> str | None:
        """The language whose voice should read `text`; None when it has no letters, or its
        letters are in a script no language owns."""
        counted = letter_scripts(text)
        for script, _n in counted.most_common():
            if script in self.owners:
                return self.owners[script]
        return None

    def unvoiced(self, text: str) -> bool:
        """Whether most of `text`'s letters are in scripts no voice reads."""
        counted = letter_scripts(text)
        total = sum(counted.values())
        voiced = sum(n for script, n in counted.items() if script in self.owners)
        return total > 0 and voiced < UNVOICED_SHARE * total


@functools.cache
def voice_book() -> VoiceBook:
    """The voices of the language files installed (read once)."""
    return VoiceBook.from_languages()
