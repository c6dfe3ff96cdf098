"""Offline OCR with Debian's tesseract (5.x, LSTM models for eng and rus from apt).

Why tesseract: its models come in Debian packages (tesseract-ocr-eng, -rus), so the image gets
them from apt with no download; it reads printed Latin and Cyrillic well; it runs as its own
process (never blocking the loop, killed at once when reading is cancelled); on a Pi 5 a page
takes about a second. Its TSV output gives words in reading order (block, paragraph, line).
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import shutil
import subprocess
import time
from dataclasses import dataclass

from PIL import Image

from ..aio import communicate, spawn
from ..camera.base import Pixels
from ..errors import OcrError

_LOGGER = logging.getLogger(__name__)

TESSERACT = "tesseract"
MIN_WORD_CONFIDENCE = 50.0
"""Words tesseract is less sure of than this (0..100) are left out."""


@dataclass(frozen=True)
class OcrWord:
    text: str
    confidence: float
    paragraph: tuple[int, int]
    """(block, paragraph) numbers: words sharing them belong together."""
    line: int


@dataclass(frozen=True)
class OcrResult:
    paragraphs: tuple[str, ...]
    words: tuple[OcrWord, ...]
    seconds: float

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


class TesseractOcr:
    def __init__(self, languages: str, program: str = TESSERACT) -> None:
        self.languages = languages
        self._program = program
        self._checked = False

    def check(self) -> None:
        """Raise `OcrError` with advice if tesseract or one of its languages is missing.

        Blocking (runs `tesseract --list-langs` once): call it off the event loop.
        """
        if self._checked:
            return
        if shutil.which(self._program) is None:
            raise OcrError(
                f"{self._program} is not installed",
                advice="install tesseract-ocr tesseract-ocr-eng tesseract-ocr-rus (make setup)",
            )
        try:
            listed = subprocess.run(
                [self._program, "--list-langs"],
                capture_output=True, text=True, timeout=30, check=False,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as err:
            raise OcrError(
                f"tesseract does not answer: {err}", advice="reinstall tesseract-ocr"
            ) from err
        installed = set(listed.stdout.split())
        missing = [lang for lang in self.languages.split("+") if lang not in installed]
        if missing:
            raise OcrError(
                f"tesseract has no {'+'.join(missing)} model",
                advice="apt install " + " ".join(f"tesseract-ocr-{m}" for m in missing),
            )
        self._checked = True

    async def read(self, pixels: Pixels) -> OcrResult:
        started = time.monotonic()
        png = await asyncio.to_thread(_encode_png, pixels)
        process = await spawn(
            self._program, "stdin", "stdout", "-l", self.languages, "--psm", "3", "tsv",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await communicate(process, png)
        if process.returncode != 0:
            raise OcrError(
                f"tesseract failed ({process.returncode}): {err.decode('utf-8', 'replace')[:300]}",
                advice="check `tesseract --list-langs`",
            )
        words = parse_tsv(out.decode("utf-8", "replace"))
        return OcrResult(paragraphs(words), tuple(words), round(time.monotonic() - started, 3))


def _encode_png(pixels: Pixels) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).convert("L").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def parse_tsv(tsv: str) -> list[OcrWord]:
    """Words of tesseract's TSV output, in its reading order, confident ones only."""
    words = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        try:
            confidence = float(row.get("conf") or -1)
            if row.get("level") != "5" or not text or confidence < MIN_WORD_CONFIDENCE:
                continue
            words.append(
                OcrWord(
                    text,
                    confidence,
                    (int(row["block_num"]), int(row["par_num"])),
                    int(row["line_num"]),
                )
            )
        except (KeyError, ValueError):
            _LOGGER.warning("Skipping a malformed tesseract row: %r", row)
    return words


def paragraphs(words: list[OcrWord]) -> tuple[str, ...]:
    """Join words into lines and lines into paragraphs; mend words hyphenated across lines."""
    result: list[str] = []
    current: list[list[str]] = []
    key: tuple[int, int] | None = None
    line_no: int | None = None
    for word in words:
        if word.paragraph != key:
            if current:
                result.append(_join_lines(current))
            current, key, line_no = [], word.paragraph, None
        if word.line != line_no:
            current.append([])
            line_no = word.line
        current[-1].append(word.text)
    if current:
        result.append(_join_lines(current))
    return tuple(p for p in result if p)


def _join_lines(lines: list[list[str]]) -> str:
    text = ""
    for line in lines:
        joined = " ".join(line)
        if text.endswith("-") and len(text) > 1 and text[-2].isalpha():
            text = text[:-1] + joined
        else:
            text = f"{text} {joined}" if text else joined
    return text
