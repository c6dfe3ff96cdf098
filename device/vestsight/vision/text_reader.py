"""Reading a frame's text robustly: measure, prepare, read, look again if needed, mend.

1. Measure the text (text_region): where, at what angle, how big. No marks: the whole frame is
   read once as it is (huge letters, or text the measuring missed), else nothing is read.
2. Prepare it (text_prepare): cut out, levelled, sized, evenly lit.
3. Read it with tesseract (one pass, page layout analysis, so columns and paragraphs keep their
   reading order).
4. If that read little of what was measured, the label may be upside down (or sideways the other
   way): the text turned half round is read too, and the better reading kept.
5. Words read in the other alphabet than the text around them (a Russian capital word read as
   Latin gibberish) are read again in their text's own language alone; look-alike letters are
   put in their word's alphabet (text_script).

At most four passes of tesseract (the last two side by side), each bounded in time by
`TesseractOcr`, and no second look once `MORE_PASSES_WITHIN_S` have gone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

import cv2
import numpy as np

from ..camera.base import Pixels
from .text_prepare import prepare
from .text_region import TextLayout, analyse
from .text_result import SURE_CONFIDENCE, OcrResult, OcrWord, paragraphs
from .text_script import CYRILLIC, LATIN, main_script, mend_lines, scripts

_LOGGER = logging.getLogger(__name__)

READS_LITTLE = 0.4
"""A reading with fewer sure letters than this share of the marks measured reads little."""
LANGUAGE_OF_SCRIPT = {LATIN: "eng", CYRILLIC: "rus"}
STRANGER_SHARE = 0.7
"""Words in one alphabet among text at least this much in the other are read again."""
STRANGER_CONFIDENCE = 93.0
"""...unless tesseract was at least this sure of them."""
MAX_STRANGERS = 12
MORE_PASSES_WITHIN_S = 6.0
"""Look again (turned, or strangers) only if reading has taken less than this so far: a page
that took long to read once is not read twice."""
PAD_PX = 6


class ImageReader(Protocol):
    languages: str

    async def read_image(
        self, grey: Pixels, *, psm: int = 3, languages: str | None = None
    ) -> list[OcrWord]: ...


async def read_text(pixels: Pixels, reader: ImageReader) -> OcrResult:
    started = time.monotonic()
    layout = await asyncio.to_thread(analyse, pixels)
    if layout.blank:
        return OcrResult((), (), _since(started), layout, passes=0)
    image = await asyncio.to_thread(prepare, pixels, layout)
    words = await reader.read_image(image)
    passes, turned = 1, 0.0
    if time.monotonic() - started > MORE_PASSES_WITHIN_S:
        _LOGGER.info("No second look: the first reading took %.1f s", time.monotonic() - started)
    elif layout.found and _reads_little(words, layout):
        flipped = await asyncio.to_thread(prepare, pixels, layout, turn=180.0)
        other = await reader.read_image(flipped)
        passes += 1
        if _score(other) > _score(words):
            words, image, turned = other, flipped, 180.0
    reread = 0
    if time.monotonic() - started <= MORE_PASSES_WITHIN_S:
        words, reread = await _reread_strangers(words, image, reader)
    words = _mended(words)
    result = OcrResult(
        paragraphs(words), tuple(words), _since(started), layout, turned, passes + reread
    )
    _LOGGER.debug(
        "Read %d words in %.2f s (%d passes, turned %g): %s",
        len(words), result.seconds, result.passes, turned, layout,
    )  # fmt: skip
    return result


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)


def _sure_letters(words: list[OcrWord]) -> int:
    """Letters and digits in words tesseract is sure of: text upside down reads as many letters,
    but few of them sure."""
    sure = [word.text for word in words if word.confidence >= SURE_CONFIDENCE]
    return sum(sum(ch.isalnum() for ch in text) for text in sure)


def _score(words: list[OcrWord]) -> float:
    """Sure letters first; the confidence of all of them decides between equals."""
    weighted = sum(word.confidence / 100 * sum(ch.isalnum() for ch in word.text) for word in words)
    return _sure_letters(words) + weighted / 1000


def _reads_little(words: list[OcrWord], layout: TextLayout) -> bool:
    return _sure_letters(words) < READS_LITTLE * layout.marks


def strangers(words: list[OcrWord]) -> list[int]:
    """Indices of words whose own letters are in the alphabet the rest of the text is not."""
    main = main_script(" ".join(word.text for word in words))
    counted = scripts(" ".join(word.text for word in words), distinct_only=True)
    total = sum(counted.values())
    if main not in LANGUAGE_OF_SCRIPT or not total or counted[main] < STRANGER_SHARE * total:
        return []
    found = []
    for index, word in enumerate(words):
        own = scripts(word.text, distinct_only=True)
        if (
            own
            and main not in own
            and set(own) <= set(LANGUAGE_OF_SCRIPT)
            and word.confidence < STRANGER_CONFIDENCE
            and sum(ch.isalpha() for ch in word.text) >= 2
            and not any(ch.isdigit() for ch in word.text)  # a code such as "UU20533"
        ):
            found.append(index)
    return found[:MAX_STRANGERS]


async def _reread_strangers(
    words: list[OcrWord], image: Pixels, reader: ImageReader
) -> tuple[list[OcrWord], int]:
    """Read the stranger words again, alone, in each language by itself (two tesseracts at once);
    a word that its text's language reads surer than the other is taken in that language. (One
    language model reads the other's words as confident gibberish, "Вауег" for "Bayer": only the
    two readings side by side tell which alphabet a word is in.)"""
    chosen = strangers(words)
    main = LANGUAGE_OF_SCRIPT.get(main_script(" ".join(w.text for w in words)), "")
    installed = reader.languages.split("+")
    others = [lang for lang in LANGUAGE_OF_SCRIPT.values() if lang != main and lang in installed]
    if not chosen or main not in installed or not others:
        return words, 0
    sheet, rows = _stack([words[i] for i in chosen], image)
    own, other = await asyncio.gather(
        reader.read_image(sheet, psm=6, languages=main),
        reader.read_image(sheet, psm=6, languages=others[0]),
    )
    mended = list(words)
    for index, (top, bottom) in zip(chosen, rows, strict=True):
        found = [w for w in own if top <= w.box[1] + w.box[3] / 2 < bottom]
        rivals = [w for w in other if top <= w.box[1] + w.box[3] / 2 < bottom]
        if not found:
            continue
        confidence = min(w.confidence for w in found)
        if confidence > min((w.confidence for w in rivals), default=0.0):
            old = words[index]
            text = " ".join(w.text for w in found)
            mended[index] = OcrWord(text, confidence, old.paragraph, old.line, old.box)
    return mended, 2


def _stack(words: list[OcrWord], image: Pixels) -> tuple[Pixels, list[tuple[int, int]]]:
    """The words' pictures one under another on white, with each one's rows in the sheet."""
    crops = []
    for word in words:
        left, top, width, height = word.box
        crops.append(
            image[
                max(0, top - PAD_PX) : top + height + PAD_PX,
                max(0, left - PAD_PX) : left + width + PAD_PX,
            ]
        )
    gap = max(crop.shape[0] for crop in crops) // 2 + PAD_PX
    width = max(crop.shape[1] for crop in crops) + 2 * gap
    height = sum(crop.shape[0] for crop in crops) + gap * (len(crops) + 1)
    sheet = np.full((height, width), 255, dtype=np.uint8)
    rows = []
    y = gap
    for crop in crops:
        sheet[y : y + crop.shape[0], gap : gap + crop.shape[1]] = crop
        rows.append((y - gap // 2, y + crop.shape[0] + gap // 2))
        y += crop.shape[0] + gap
    # Black on white: a clean threshold after a little smoothing reads noisy crops surer.
    smooth = cv2.GaussianBlur(sheet, (0, 0), 0.7)
    _threshold, binary = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return np.asarray(binary, dtype=np.uint8), rows


def _mended(words: list[OcrWord]) -> list[OcrWord]:
    """Each word's look-alike letters in the alphabet of its word, line or text."""
    lines: dict[tuple[int, int, int], list[int]] = {}
    for index, word in enumerate(words):
        lines.setdefault((*word.paragraph, word.line), []).append(index)
    texts = [[words[i].text for i in indices] for indices in lines.values()]
    mended = list(words)
    for indices, line in zip(lines.values(), mend_lines(texts), strict=True):
        for index, text in zip(indices, line, strict=True):
            if text != words[index].text:
                old = words[index]
                mended[index] = OcrWord(text, old.confidence, old.paragraph, old.line, old.box)
    return mended
