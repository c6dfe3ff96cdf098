"""Cut a stream of model tokens into speakable sentences as soon as each one is complete.

A sentence ends at ``. ! ? …`` (with any closing quotes or brackets) followed by white space or
by the end of what has arrived so far (unless it may go on: "3." may become "3.5", "т." may
become "т.е."), or at a line break. Abbreviations ("Dr.", "e.g.", "т.е."), initials and decimal
numbers do not end a sentence. A run-on longer than `max_chars` is cut at its last comma or space,
so speech never waits for a model that forgets full stops. Markdown never reaches the synthesizer.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "st", "prof", "sr", "jr", "vs", "etc", "e.g", "i.e", "approx",
        "no", "fig", "mt", "ave", "rd",
        "т.е", "т.д", "т.п", "т.к", "г", "гг", "ул", "д", "см", "им", "др", "пр", "руб", "коп",
        "кв", "тел", "обл", "стр", "tel", "exp", "incl", "mfg", "mfd", "tab", "tabs",
    }
)  # fmt: skip
_AMBIGUOUS = frozenset({"no", "st", "г", "д", "см", "др"})
"""Abbreviations that are also ordinary words ending a sentence ("I said no."): they end one
when the next word starts with a capital letter."""
_ENDINGS = ".!?…"
_CLOSERS = "\"')]»”’"
_MIN_LETTERS = 2

_MARKDOWN_PATTERNS = (
    (re.compile(r"```.*?```", re.S), " "),
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"</?[A-Za-z][^<>]*>"), " "),
    (re.compile(r"^\s{0,3}#{1,6}\s*", re.M), ""),
    (re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+", re.M), ""),
    (re.compile(r"(\*\*|\*|~~)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<!\w)(__|_)(?=\S)(.+?)(?<=\S)\1(?!\w)"), r"\2"),
    (re.compile(r"[*#`|>]+"), " "),
)


def clean_for_speech(text: str) -> str:
    """Strip markdown and layout a listener should never hear; collapse white space."""
    for pattern, replacement in _MARKDOWN_PATTERNS:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


class SentenceSplitter:
    def __init__(self, max_chars: int = 220) -> None:
        self._buffer = ""
        self._max_chars = max_chars

    def feed(self, text: str) -> list[str]:
        """Add streamed text; return the sentences it completed, in order."""
        self._buffer += text
        sentences: list[str] = []
        search_from = 0
        while True:
            cut = self._find_end(self._buffer, search_from)
            forced = cut is None
            if forced:
                cut = self._find_overflow_cut(self._buffer)
            if cut is None:
                break
            sentence = clean_for_speech(self._buffer[:cut])
            letters = sum(ch.isalnum() for ch in sentence)
            if 0 < letters < _MIN_LETTERS and not forced:
                search_from = cut  # too short to say alone ("1." of a list): join the next one
                continue
            self._buffer = self._buffer[cut:]
            search_from = 0
            if letters:
                sentences.append(sentence)
        return sentences

    def flush(self) -> list[str]:
        """The stream ended: whatever is left is the last sentence."""
        rest, self._buffer = self._buffer, ""
        sentence = clean_for_speech(rest)
        return [sentence] if any(ch.isalnum() for ch in sentence) else []

    def _find_end(self, text: str, start: int) -> int | None:
        for index in range(start, len(text)):
            char = text[index]
            if char == "\n":
                if text[:index].strip():
                    return index + 1
                continue
            if char not in _ENDINGS:
                continue
            end = index + 1
            while end < len(text) and (text[end] in _CLOSERS or text[end] in _ENDINGS):
                end += 1
            if end < len(text) and not text[end].isspace():
                continue  # "3.5", "e.g.x", "file.txt": not an end
            if char == "." and self._is_abbreviation(text[:index]):
                word = re.split(r"[\s(\"'«]", text[:index])[-1].lower()
                if word not in _AMBIGUOUS:
                    continue
                following = text[end:].lstrip()
                if not following:
                    return None  # wait for the next word to decide
                if not following[0].isupper():
                    continue
            if end >= len(text) and char == "." and self._may_continue(text[:index]):
                return None  # cannot tell yet: "3." may become "3.5", "т." may become "т.е."
            return end
        return None

    @staticmethod
    def _may_continue(before: str) -> bool:
        """Whether a final "." after `before` may turn out not to end the sentence."""
        word = re.split(r"[\s(\"'«]", before)[-1]
        return not word or word[-1].isdigit() or len(word.split(".")[-1]) <= 1

    @staticmethod
    def _is_abbreviation(before: str) -> bool:
        word = re.split(r"[\s(\"'«]", before)[-1].lower()
        if not word:
            return False
        if word in _ABBREVIATIONS:
            return True
        return len(word) == 1 and before[-1].isupper()  # an initial: "J. Smith"

    def _find_overflow_cut(self, text: str) -> int | None:
        if len(text) <= self._max_chars:
            return None
        window = text[: self._max_chars]
        for mark in (", ", "; ", ": ", " "):
            position = window.rfind(mark)
            if position > self._max_chars // 3:
                return position + len(mark)
        return self._max_chars
