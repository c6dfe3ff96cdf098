"""Offline OCR with Debian's tesseract (5.x, LSTM models for eng and rus from apt).

Why tesseract: its models come in Debian packages (tesseract-ocr-eng, -rus), so the image gets
them from apt with no download; it reads printed Latin and Cyrillic well; it runs as its own
process (never blocking the loop, killed at once when reading is cancelled or takes too long); on
a Pi 5 a label takes well under a second once it is cut out, levelled and sized (text_prepare).
Its TSV output gives words in reading order (block, paragraph, line) with their boxes.

`Ocr` is what commands need; `TesseractOcr` is its one backend, on the vest and here alike.
`TesseractOcr.read()` is the whole robust reading of a frame (text_reader); `read_image()` is one
pass of tesseract over an image already prepared.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
import subprocess
from typing import Protocol

from PIL import Image

from ..aio import communicate, spawn, wait_within
from ..camera.base import Pixels
from ..errors import OcrError
from . import text_reader
from .text_result import OcrResult, OcrWord, paragraphs, parse_tsv

_LOGGER = logging.getLogger(__name__)

__all__ = ["Ocr", "OcrResult", "OcrWord", "TesseractOcr", "paragraphs", "parse_tsv"]

TESSERACT = "tesseract"
PASS_TIMEOUT_S = 20.0
"""One tesseract pass taking longer than this is killed (a huge or pathological image)."""
THREADS = "1"
"""OpenMP threads per tesseract process. Debian's tesseract is built with OpenMP, whose threads
spin while they wait: on a busy 2-core machine a label took 0.3 s with one thread and 5 to 10 s
with two; on the vest the model worker keeps the other cores busy the same way."""


class Ocr(Protocol):
    languages: str
    """The languages tried, in order (``rus+eng``): the wearer's language first."""

    def check(self) -> None:
        """Raise `OcrError` with advice if reading cannot work (blocking: off the loop)."""

    async def read(self, pixels: Pixels) -> OcrResult:
        """The text in a camera frame, in reading order, with what hints at aiming."""
        ...


class TesseractOcr:
    def __init__(
        self, languages: str, program: str = TESSERACT, timeout_s: float = PASS_TIMEOUT_S
    ) -> None:
        self.languages = languages
        self._program = program
        self._timeout_s = timeout_s
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
        """Read the text in a camera frame: found, levelled, sized, read, checked, mended."""
        return await text_reader.read_text(pixels, self)

    async def read_image(
        self, grey: Pixels, *, psm: int = 3, languages: str | None = None
    ) -> list[OcrWord]:
        """One tesseract pass over a prepared grey image: its confident words, in order."""
        png = await asyncio.to_thread(_encode_png, grey)
        process = await spawn(
            self._program, "stdin", "stdout", "-l", languages or self.languages,
            "--psm", str(psm), "-c", "tessedit_do_invert=0", "tsv",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "OMP_THREAD_LIMIT": THREADS},
        )  # fmt: skip
        try:
            out, err = await wait_within(communicate(process, png), self._timeout_s)
        except TimeoutError as timeout:
            raise OcrError(
                f"tesseract took more than {self._timeout_s:.0f} s",
                advice="the picture holds too much text to read at once",
                spoken="reading took too long",
                phrase="ocr_slow",
            ) from timeout
        if process.returncode != 0:
            raise OcrError(
                f"tesseract failed ({process.returncode}): {err.decode('utf-8', 'replace')[:300]}",
                advice="check `tesseract --list-langs`",
            )
        return parse_tsv(out.decode("utf-8", "replace"))


def _encode_png(pixels: Pixels) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).convert("L").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
