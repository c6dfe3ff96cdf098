"""Long text for listening, as a person reads it aloud: line by line, each stretch of a line in its
own alphabet given to the voice of that alphabet, sentences whole, in pieces of about `max_chars`
read one piece at a time ("continue" reads the next).

Words in one alphabet make a stretch; words without letters of their own (numbers, codes, look-
alike words such as "OK") stay with the stretch around them, and a line of digits alone takes the
language of the line before it (an address's postcode, a label's "25 °C"). Each sentence is made
speakable (normalize.py) in its stretch's language, and carries that language to the speaker.
Text in an alphabet no voice reads is replaced by `no_voice`, said once in its place.
"""

from __future__ import annotations

from collections import Counter

from .normalize import speakable
from .sentences import SentenceSplitter
from .voices import LOOK_ALIKES, VoiceBook, in_script, voice_book

UNVOICED = "?"
"""The stretch language of letters no voice reads."""


class Spoken(str):
    """A sentence to say, and the language whose voice says it."""

    language: str

    def __new__(cls, text: str, language: str) -> Spoken:
        spoken = super().__new__(cls, text)
        spoken.language = language
        return spoken


def word_language(word: str, book: VoiceBook) -> tuple[str | None, bool]:
    """The language of a word's letters, and whether they decide it: a word with letters of one
    alphabet only does; one of look-alike letters only ("He", "EXP") leans to the alphabet it is
    written in; a number or a code with digits has none. `UNVOICED`: letters no voice reads."""
    if any(ch.isdigit() for ch in word) or not any(ch.isalpha() for ch in word):
        return None, False
    distinct = any(ch.isalpha() and ch not in LOOK_ALIKES for ch in word)
    language = book.language_of(word)
    if language is None:
        return (UNVOICED, True) if distinct else (None, False)
    return language, distinct


def stretches(line: str, book: VoiceBook) -> list[tuple[str | None, str]]:
    """A line cut where its alphabet changes: (language or None, text) in order. Only words that
    decide their language cut; look-alike words go with the stretch around them and are written
    in its alphabet ("He" among Russian words is "Не"); a stretch of look-alikes only keeps the
    alphabet they were read in ("EXP 08/2026" is English)."""
    runs: list[tuple[str | None, list[tuple[str, str | None]]]] = []
    for word in line.split():
        language, decides = word_language(word, book)
        if decides and runs and runs[-1][0] not in (None, language):
            runs.append((language, []))
        elif not runs:
            runs.append((language if decides else None, []))
        elif decides:
            runs[-1] = (language, runs[-1][1])
        runs[-1][1].append((word, language))
    said = []
    for language, words in runs:
        if language is None:  # look-alikes and numbers only: their letters lean one way
            leaning = Counter(lang for _word, lang in words if lang is not None)
            chosen = leaning.most_common(1)[0][0] if leaning else None
            said.append((chosen, " ".join(word for word, _lang in words)))
            continue
        script = book.script_of_language(language)
        written = [word if lang is None or lang == language else in_script(word, script)
                   for word, lang in words]  # fmt: skip
        said.append((language, " ".join(written)))
    return said


def reading_pieces(text: str, language: str, no_voice: str = "") -> list[Spoken]:
    """`text`'s sentences, speakable, each with the language that says it."""
    book = voice_book()
    lines = [stretches(line, book) for line in text.splitlines() if line.strip()]
    known = [lang for runs in lines for lang, _text in runs if lang not in (None, UNVOICED)]
    current = known[0] if known else language
    pieces: list[Spoken] = []
    for runs in lines:
        for run_language, run in runs:
            if run_language == UNVOICED:
                if no_voice and (not pieces or pieces[-1] != no_voice):
                    pieces.append(Spoken(no_voice, language))
                continue
            current = run_language or current
            splitter = SentenceSplitter(max_chars=10_000)
            for sentence in splitter.feed(run + "\n") + splitter.flush():
                pieces.append(Spoken(speakable(sentence, current), current))
    return pieces


def reading_chunks(text: str, language: str, max_chars: int, no_voice: str = "") -> list[list[str]]:
    """`text` as pieces of sentences; a sentence is never split across two pieces."""
    chunks: list[list[str]] = []
    size = 0
    for sentence in reading_pieces(text, language, no_voice):
        for part in _within(sentence, max_chars):
            if not chunks or size + len(part) > max_chars:
                chunks.append([])
                size = 0
            chunks[-1].append(part)
            size += len(part) + 1
    return chunks


def _within(sentence: Spoken, max_chars: int) -> list[Spoken]:
    """A sentence longer than a piece, cut at its commas or spaces (never mid-word)."""
    splitter = SentenceSplitter(max_chars=max_chars)
    parts = splitter.feed(sentence) + splitter.flush()
    return [Spoken(part, sentence.language) for part in parts] or [sentence]
