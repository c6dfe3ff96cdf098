"""What reading found: tesseract's words (parsed from its TSV), joined into lines and paragraphs.

Lines of a paragraph are joined into running text when they were wrapped (a line reaching most
of the paragraph's width and going on in the next, or ending with a hyphen that splits a word);
otherwise, as on a label ("Paracetamol 500 mg" / "20 tablets"), each line stays a line of its own,
so it is said as one.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .text_region import TextLayout

_LOGGER = logging.getLogger(__name__)

MIN_WORD_CONFIDENCE = 50.0
"""Words tesseract is less sure of than this (0..100) are left out. It is sometimes unsure of a
word it read right (a long capitalised word, a "Ё" it wrote as "Е"), but a lower bar lets the
smudges and cut-off lines of real photos through, and a wearer is better told less than nonsense
(tests/bench/bench_reading.py: 40 with such words kept reads 0.2 % more of the rendered labels)."""
SURE_CONFIDENCE = 80.0
"""Tesseract is sure of a word it gives this much (a clean print reads 90 and more)."""
WRAPPED_SHARE = 0.8
"""A line reaching this share of its paragraph's width was wrapped: it runs on into the next."""
_EDGE_JUNK = re.compile(r"^[|\[\]{}_=~\\<>‹›¦]+$")
"""Words made only of these are the edges of cards and boxes read as letters."""


@dataclass(frozen=True)
class OcrWord:
    text: str
    confidence: float
    paragraph: tuple[int, int]
    """(block, paragraph) numbers: words sharing them belong together."""
    line: int
    box: tuple[int, int, int, int] = (0, 0, 0, 0)
    """left, top, width, height in the image tesseract was given."""


@dataclass(frozen=True)
class OcrResult:
    paragraphs: tuple[str, ...]
    """Each paragraph's text; lines that were not wrapped are kept apart by a line break."""
    words: tuple[OcrWord, ...]
    seconds: float
    layout: TextLayout | None = field(default=None, compare=False)
    """What the frame's text measured (None when it was not measured)."""
    turned: float = 0.0
    """Degrees the text was turned beyond levelling (180: it was upside down)."""
    passes: int = 1
    """How many times tesseract read (a second look when the first read little)."""

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def characters(self) -> int:
        """Letters and digits read with confidence."""
        return sum(sum(ch.isalnum() for ch in word.text) for word in self.words)

    @property
    def sure_share(self) -> float:
        """The share of `characters` in words tesseract is sure of (`SURE_CONFIDENCE`)."""
        sure = sum(
            sum(ch.isalnum() for ch in word.text)
            for word in self.words
            if word.confidence >= SURE_CONFIDENCE
        )
        return sure / self.characters if self.characters else 0.0


def parse_tsv(tsv: str, min_confidence: float | None = None) -> list[OcrWord]:
    """Words of tesseract's TSV output, in its reading order, confident ones only (and not the
    edges of cards and boxes read as "|" or "]")."""
    least = MIN_WORD_CONFIDENCE if min_confidence is None else min_confidence
    words = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        try:
            confidence = float(row.get("conf") or -1)
            if row.get("level") != "5" or not text or confidence < least:
                continue
            if _EDGE_JUNK.match(text):
                continue
            words.append(
                OcrWord(
                    text,
                    confidence,
                    (int(row["block_num"]), int(row["par_num"])),
                    int(row["line_num"]),
                    (int(row["left"]), int(row["top"]), int(row["width"]), int(row["height"])),
                )
            )
        except (KeyError, ValueError):
            _LOGGER.warning("Skipping a malformed tesseract row: %r", row)
    return words


def paragraphs(words: list[OcrWord] | tuple[OcrWord, ...]) -> tuple[str, ...]:
    """Join words into lines and lines into paragraphs; mend words hyphenated across lines."""
    result: list[str] = []
    groups: dict[tuple[int, int], list[list[OcrWord]]] = {}
    for word in words:
        lines = groups.setdefault(word.paragraph, [])
        if not lines or lines[-1][-1].line != word.line:
            lines.append([])
        lines[-1].append(word)
    for lines in groups.values():
        text = _join_lines(lines)
        if text:
            result.append(text)
    return tuple(result)


def _join_lines(lines: list[list[OcrWord]]) -> str:
    left = min(line[0].box[0] for line in lines)
    right = max(line[-1].box[0] + line[-1].box[2] for line in lines)
    width = right - left
    text = ""
    wide = True
    for line in lines:
        joined = " ".join(word.text for word in line)
        if text.endswith("-") and len(text) > 1 and text[-2].isalpha():
            text = text[:-1] + joined
        elif text and wide and _runs_on(text, joined):
            text = f"{text} {joined}"
        elif text:
            text = f"{text}\n{joined}"
        else:
            text = joined
        line_right = line[-1].box[0] + line[-1].box[2]
        wide = width <= 0 or line_right - left >= WRAPPED_SHARE * width
    return text


def _runs_on(text: str, following: str) -> bool:
    """Whether a wide line's text goes on in the next line: the next line starts in lower case,
    or this one ends with a comma or a colon. A label's next line ("EXP 08/2026" after its longest
    line) starts afresh; a sentence that does is said in two breaths, which does no harm."""
    return following[:1].islower() or text.endswith((",", ";", ":"))
