"""Latin or Cyrillic: which alphabet each read word is in, and mending words read in the wrong one.

Tesseract reading English and Russian together can put letters of one alphabet into a word of the
other: "Нe" with a Latin e, or "He" (Latin) for the Russian "Не" — the meaning of "не выше 25
градусов" (not above 25 degrees) is lost. Many capitals and some small letters look the same in
both (A/А, B/В, C/С, E/Е, H/Н, K/К, M/М, O/О, P/Р, T/Т, X/Х, Y/У, a/а, c/с, e/е, o/о, p/р, x/х,
y/у). Here:

- a word mixing both alphabets takes the alphabet of its letters that are not look-alikes;
- a word made only of look-alikes takes the alphabet of its line; a line of look-alikes only
  stays as read; a few label words ("EXP") are always Latin;
- words with digits (codes such as "AB1234") are left as read;
- a Russian unit read as Latin after a number in a Russian line ("500 mr") is put back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from ..speech.voices import LOOK_ALIKE_PAIRS, in_script, script_of

__all__ = ["CYRILLIC", "LATIN", "in_script", "main_script", "mend_lines", "mend_word",
           "script_of", "scripts"]  # fmt: skip

LATIN = "LATIN"
CYRILLIC = "CYRILLIC"

TO_CYRILLIC = {pair[0]: pair[1] for pair in LOOK_ALIKE_PAIRS.split()}
TO_LATIN = {pair[1]: pair[0] for pair in LOOK_ALIKE_PAIRS.split()}
LOOK_ALIKES = frozenset(TO_CYRILLIC) | frozenset(TO_LATIN)
UNITS_READ_AS_LATIN = {
    "mr": "мг", "Mr": "мг", "mr.": "мг.", "r": "г", "r.": "г.", "kr": "кг", "Kr": "кг",
    "mkr": "мкг", "mn": "мл", "Mn": "мл", "wt": "шт", "wt.": "шт.",
}  # fmt: skip
"""Russian units tesseract tends to read as Latin look-alikes ("мг" as "mr")."""
LATIN_LABEL_WORDS = frozenset({"EXP", "OK", "MAX", "ECO", "XXL", "XL", "TOP"})
"""Words printed in Latin on Russian labels too, made only of look-alike letters: whatever the
line, and however tesseract read them ("ЕХР"), they are Latin."""


def scripts(text: str, *, distinct_only: bool = False) -> Counter[str]:
    """How many letters of `text` each alphabet has (only letters that are not look-alikes when
    `distinct_only`)."""
    return Counter(
        script
        for char in text
        if (script := script_of(char)) and not (distinct_only and char in LOOK_ALIKES)
    )


def main_script(text: str) -> str:
    """The alphabet most of `text`'s letters are in ("" when it has none)."""
    counted = scripts(text, distinct_only=True) or scripts(text)
    return counted.most_common(1)[0][0] if counted else ""


def mend_word(word: str, context: str) -> str:
    """`word` in one alphabet: its own distinct letters decide, else `context` (LATIN/CYRILLIC)."""
    if any(char.isdigit() for char in word):
        return word
    latin = in_script(word, LATIN)
    if latin.strip(".:,;").upper() in LATIN_LABEL_WORDS:
        return latin
    own = scripts(word, distinct_only=True)
    letters = scripts(word)
    if not letters or set(letters) - {LATIN, CYRILLIC}:
        return word
    if own:
        if len(own) > 1:
            return word  # distinct letters of both alphabets: leave it to the reader
        return in_script(word, next(iter(own)))
    return in_script(word, context) if context in (LATIN, CYRILLIC) else word


def mend_lines(lines: Sequence[Sequence[str]]) -> list[list[str]]:
    """Each word of each line (a list of words) in one alphabet, judged by its own letters, else by
    its line's: a line of look-alikes only ("EXP 08/2026", "HE IS OK") stays as tesseract read it.
    A Russian unit read in Latin after a number ("500 mr") is put back ("500 мг")."""
    mended = []
    for line in lines:
        context = _distinct_main(line)
        words = [mend_word(word, context) for word in line]
        if context == CYRILLIC:
            words = [
                UNITS_READ_AS_LATIN.get(word, word) if index and _is_number(words[index - 1])
                else word
                for index, word in enumerate(words)
            ]  # fmt: skip
        mended.append(words)
    return mended


def _is_number(word: str) -> bool:
    return bool(word) and word.replace(",", "").replace(".", "").isdigit()


def _distinct_main(words: Iterable[str]) -> str:
    counted = scripts(" ".join(words), distinct_only=True)
    return counted.most_common(1)[0][0] if counted else ""
