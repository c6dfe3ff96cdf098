"""Read text, continue reading, and the barcodes and QR codes in view.

"read" takes a frame, decodes its codes (zxing, tens of milliseconds) while the text is read
(vision/text_reader), then says the codes and the first piece of the text, each sentence in the
voice of its alphabet. Text cut off at an edge is read with a word on which way to move it. Text
seen but not readable is never "no text": the wearer hears why (blurred, cut off, too far...) and
the vest keeps looking for `reading.aim_s` seconds, ticking faster as the text comes right, and
reads it with a long buzz as soon as it can. "continue" reads the next piece.
"""

from __future__ import annotations

import asyncio
import logging
import time

from ..camera.base import Frame, Pixels
from ..speech.reading import Spoken, reading_chunks, reading_pieces
from ..vision.barcodes import Code, read_codes
from ..vision.ocr import OcrResult
from ..vision.text_guidance import Advice, after_reading, cut_sides, readiness, seen_problem
from ..vision.text_region import analyse
from .looking import read_frame_text
from .vest import Vest

_LOGGER = logging.getLogger(__name__)

AIM_PERIOD_S = 0.25
"""While aiming, a frame is measured at most this often."""
HINT_GAP_S = 3.0
"""A new hint while aiming is said no sooner than this after the last one."""
AIM_READS = 2
"""Frames that look readable but do not read, before the vest says it cannot read them."""


async def read(vest: Vest) -> None:
    frame = await vest.camera.capture()
    vest.session.reading = []
    result, found = await _read_with_codes(vest, frame)
    advice = _journal(vest, frame, result, found)
    said_codes = code_pieces(vest, found)
    if advice is Advice.READABLE:
        _start_reading(vest, result, said_codes)
        await continue_(vest)
        return
    if said_codes:
        vest.session.reading = [said_codes]
        await continue_(vest, hint=False)
    if advice is Advice.NO_TEXT:
        if not said_codes:
            vest.speaker.say(vest.phrases.say("no_text"), source="read")
        return
    await aim(vest, advice)


async def _read_with_codes(vest: Vest, frame: Frame) -> tuple[OcrResult, list[Code]]:
    """The frame's text and, at the same time, its codes (none when reading.codes is off)."""
    if not vest.settings.reading.codes:
        return await read_frame_text(vest, frame), []
    codes = asyncio.create_task(asyncio.to_thread(read_codes, frame.pixels), name="read-codes")
    try:
        result = await read_frame_text(vest, frame)
    except BaseException:
        codes.cancel()
        await asyncio.wait({codes})
        raise
    return result, await codes


def _journal(vest: Vest, frame: Frame, result: OcrResult, codes: list[Code]) -> Advice:
    advice = after_reading(result)
    layout = result.layout
    vest.journal.publish(
        "read.measured",
        frame=frame.number,
        advice=advice.name.lower(),
        characters=result.characters,
        marks=layout.marks if layout else None,
        angle=layout.angle if layout else None,
        char_px=round(layout.char_height, 1) if layout else None,
        sharpness=round(layout.sharpness, 1) if layout else None,
        cut=sorted(layout.cut) if layout else [],
        turned=result.turned,
        passes=result.passes,
        codes=[(code.format, code.text) for code in codes],
    )
    return advice


def _start_reading(vest: Vest, result: OcrResult, first: list[str]) -> None:
    """Cut the text into pieces for "continue", the codes and any cut-off hint first."""
    language = vest.phrases.language
    chunks = reading_chunks(
        result.text,
        language,
        vest.settings.vision.read_chunk_chars,
        vest.phrases.say("read_no_voice"),
    )
    cut = cut_sides(result.layout)
    lead = [*first]
    if cut is not Advice.READABLE:
        lead.append(Spoken(vest.phrases.say(cut.value), language))
    vest.session.reading = (
        [[*lead, *chunks[0]], *chunks[1:]] if chunks else ([lead] if lead else [])
    )


def code_pieces(vest: Vest, codes: list[Code]) -> list[str]:
    """What to say for each code: a product's number digit by digit, a QR code's text read like
    any text (each part in its alphabet's voice)."""
    language = vest.phrases.language
    pieces: list[str] = []
    for code in codes:
        if code.product:
            pieces.append(Spoken(vest.phrases.say("barcode", number=code.spoken_number), language))
        elif not code.text.strip():
            pieces.append(Spoken(vest.phrases.say("qr_no_text"), language))
        elif code.format in ("QRCode", "MicroQRCode", "RMQRCode"):
            pieces.append(Spoken(vest.phrases.say("qr_code"), language))
            pieces.extend(reading_pieces(code.text, language, vest.phrases.say("read_no_voice")))
        else:
            pieces.append(Spoken(vest.phrases.say("code"), language))
            pieces.extend(reading_pieces(code.text, language, vest.phrases.say("read_no_voice")))
    return pieces


async def code_sentences(vest: Vest, pixels: Pixels) -> list[str]:
    """The barcodes and QR codes in `pixels` as sentences to say ("what is this" says them).

    Decoded in a worker thread; each sentence carries the language of the voice that reads it.
    """
    codes = await asyncio.to_thread(read_codes, pixels)
    if codes:
        vest.journal.publish("read.codes", codes=[(code.format, code.text) for code in codes])
    return code_pieces(vest, codes)


async def continue_(vest: Vest, *, hint: bool = True) -> None:
    if not vest.session.reading:
        vest.speaker.say(vest.phrases.say("nothing_to_continue"), source="read")
        return
    chunk = vest.session.reading.pop(0)
    vest.session.last_answer = list(chunk)
    say_pieces(vest, chunk, "read")
    if hint:
        more = "more_text" if vest.session.reading else "end_of_text"
        vest.speaker.say(vest.phrases.say(more), source="read")


def say_pieces(vest: Vest, pieces: list[str], source: str) -> None:
    """Say each piece in its language's voice; a piece of digits alone takes the language of the
    piece before it."""
    language: str | None = None
    for piece in pieces:
        language = piece.language if isinstance(piece, Spoken) else language
        vest.speaker.say(piece, source=source, language=language)


async def aim(vest: Vest, advice: Advice) -> None:
    """Say what is wrong, then keep measuring frames: ticks quicken as the text comes right; once
    it looks readable, a long buzz, and it is read. Gives up after `reading.aim_s`."""
    vest.speaker.say(vest.phrases.say(advice.value), source="read")
    aim_s = vest.settings.reading.aim_s
    if aim_s <= 0 or advice in (Advice.BLANK, Advice.UNREADABLE):
        return
    started = said_at = time.monotonic()
    said: Advice = advice
    attempts, next_tick = 0, 0.0
    while (now := time.monotonic()) - started < aim_s:
        frame = await vest.camera.capture()
        layout = await asyncio.to_thread(analyse, frame.pixels)
        problem: Advice = seen_problem(layout)
        if problem is Advice.READABLE:
            vest.haptics.play("centred")
            result, codes = await _read_with_codes(vest, frame)
            problem = _journal(vest, frame, result, codes)
            if problem is Advice.READABLE:
                _start_reading(vest, result, code_pieces(vest, codes))
                await continue_(vest)
                return
            attempts += 1
            if attempts >= AIM_READS:
                vest.speaker.say(vest.phrases.say(Advice.UNREADABLE.value), source="read")
                return
        elif now >= next_tick:
            vest.haptics.play("tick")
            next_tick = now + tick_period(readiness(layout))
        if problem not in (said, Advice.READABLE) and now - said_at >= HINT_GAP_S:
            vest.speaker.say(vest.phrases.say(problem.value), source="read")
            said, said_at = problem, now
        await asyncio.sleep(max(0.0, AIM_PERIOD_S - (time.monotonic() - now)))
    vest.speaker.say(vest.phrases.say("read_gave_up"), source="read")


def tick_period(ready: float) -> float:
    """Seconds between aiming ticks: 1 s when far from readable, 0.2 s when nearly there."""
    return round(1.0 - 0.8 * max(0.0, min(1.0, ready)), 2)
