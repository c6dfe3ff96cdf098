"""Reading real labels on the whole simulated vest: "read" pressed through the control socket,
labels rendered with real fonts and shown to the simulated camera, real tesseract, real espeak-ng.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import zxingcpp
from PIL import Image

from tests.bench.reading_labels import label_photo
from tests.conftest import TIMEOUT, event
from tests.integration.vest import VestClient, running_vest
from vestsight.commands.reading import code_sentences

MEDICINE = [
    "Paracetamol 500 mg",
    "Парацетамол 500 мг",
    "Хранить при температуре не выше 25 °C",
    "EXP 08/2026",
]
NO_MODEL: dict[str, dict[str, Any]] = {"llm": {"enabled": False}, "speech": {"rate": 450}}


def config(photos: Path, **reading: Any) -> dict[str, dict[str, Any]]:
    return {**NO_MODEL, "camera": {"photos": str(photos)}, "reading": reading}


def save(folder: Path, name: str, pixels: np.ndarray) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    Image.fromarray(pixels).save(path)
    return path


async def read_until_the_end(client: VestClient, since: float) -> list[dict[str, Any]]:
    """The records of what "read" queued, up to the end-of-text (or more-text) hint."""
    await client.expect(
        lambda r: (
            r["event"] == "speech.queued"
            and r["source"] == "read"
            and r["text"] in ("End of text.", "More text: press continue.")
        ),
        since,
    )
    return [r for r in client.since(since) if r["event"] == "speech.queued"]


async def test_a_tilted_bilingual_label_is_read_each_line_in_its_voice(tmp_path: Path) -> None:
    """Tilted 9 degrees (the vest used to say "No text found"), on an English vest: the Russian
    lines in the Russian voice, "не" read as Russian, doses, temperature and expiry in words."""
    photo = save(tmp_path / "photos", "label.png", label_photo(MEDICINE, tilt=9, seed=3))
    async with running_vest(tmp_path, config(photo)) as (_app, client, _startup):
        t = await client.tap("x")
        measured = await client.expect(event("read.measured"), t)
        said = await read_until_the_end(client, t)
    assert measured["advice"] == "readable" and abs(measured["angle"] + 9) < 1.0
    voices = {r["text"]: r["voice"] for r in said if r["source"] == "read"}
    assert voices.get("Paracetamol 500 milligrams") == "en-gb", voices
    assert voices.get("Парацетамол 500 миллиграммов") == "ru", voices
    assert voices.get("Хранить при температуре не выше 25 градусов Цельсия") == "ru", voices
    assert voices.get("expires August 2026") == "en-gb", voices
    assert "No text found." not in voices


async def test_a_blurred_label_is_said_to_be_blurred_and_the_vest_keeps_looking(
    tmp_path: Path,
) -> None:
    photo = save(tmp_path / "photos", "blurred.png", label_photo(MEDICINE, blur=3.5, seed=4))
    async with running_vest(tmp_path, config(photo, aim_s=1.0)) as (_app, client, _startup):
        t = await client.tap("x")
        hint = await client.expect(event("speech.queued", source="read"), t)
        tick = await client.expect(event("haptic", pattern="tick"), t)
        gave_up = await client.expect(event("speech.queued", source="read", text=read_gave_up()), t)
        await client.expect(event("command.done", command="read"), t)
    assert hint["text"] == "Text found but blurred, hold it still."
    assert hint["mono"] <= tick["mono"] <= gave_up["mono"]
    said = [r["text"] for r in client.since(t) if r["event"] == "speech.queued"]
    assert "No text found." not in said


def read_gave_up() -> str:
    return "Still cannot read it. Press read text to try again."


async def test_once_the_label_is_held_still_it_is_read_with_a_long_buzz(tmp_path: Path) -> None:
    """The camera sees the blurred label first, then the same label sharp (photos in turn)."""
    photos = tmp_path / "photos"
    save(photos, "1-blurred.png", label_photo(MEDICINE, blur=3.5, seed=5))
    save(photos, "2-sharp.png", label_photo(MEDICINE, seed=5))
    async with running_vest(tmp_path, config(photos, aim_s=20.0)) as (_app, client, _startup):
        t = await client.tap("x")
        hint = await client.expect(event("speech.queued", source="read"), t)
        centred = await client.expect(event("haptic", pattern="centred"), t)
        said = await read_until_the_end(client, t)
    assert hint["text"] == "Text found but blurred, hold it still."
    texts = [r["text"] for r in said if r["mono"] > centred["mono"]]
    assert "Парацетамол 500 миллиграммов" in texts and texts[-1] == "End of text."


async def test_text_cut_off_on_the_left_is_said_before_what_can_be_read(tmp_path: Path) -> None:
    photo = save(tmp_path / "photos", "cut.png", label_photo(MEDICINE, shift=-0.3, seed=6))
    async with running_vest(tmp_path, config(photo, aim_s=0.0)) as (_app, client, _startup):
        t = await client.tap("x")
        first = await client.expect(event("speech.queued", source="read"), t)
        measured = await client.expect(event("read.measured"), t)
        await client.expect(event("command.done", command="read"), t)
    assert "left" in measured["cut"]
    assert first["text"] == "Text cut off on the left, move it right."


async def test_barcodes_and_qr_codes_are_read_with_the_text(tmp_path: Path) -> None:
    frame = np.full((960, 1280), 205, dtype=np.uint8)
    codes = [
        ("460700123456", zxingcpp.BarcodeFormat.EAN13, 3, (120, 200)),
        ("Не выше 25 °C", zxingcpp.BarcodeFormat.QRCode, 6, (700, 300)),
    ]
    for content, code_format, scale, (left, top) in codes:
        drawn = zxingcpp.write_barcode_to_image(
            zxingcpp.create_barcode(content, code_format), scale=scale
        )
        image = np.pad(np.asarray(drawn), 24, constant_values=255)
        frame[top : top + image.shape[0], left : left + image.shape[1]] = image
    pixels = np.stack([frame] * 3, axis=2)
    photo = save(tmp_path / "photos", "codes.png", pixels)
    async with running_vest(tmp_path, config(photo)) as (app, client, _startup):
        t = await client.tap("x")
        measured = await client.expect(event("read.measured"), t)
        await client.expect(event("command.done", command="read"), t)
        said = [(r["text"], r["voice"]) for r in client.since(t) if r["event"] == "speech.queued"]
        # What "what is this" says of the codes it holds up (commands/describe.py calls this).
        sentences = await asyncio.wait_for(code_sentences(app.vest, pixels), TIMEOUT)
        t = await client.tap("left")
        await client.expect(event("command.done", command="what_is_this"), t)
        held = [(r["text"], r["voice"]) for r in client.since(t) if r["event"] == "speech.queued"]
    assert held[:3] == [
        ("Barcode 4 6 0 7 0 0 1 2 3 4 5 6 2.", "en-gb"),
        ("QR code.", "en-gb"),
        ("Не выше 25 градусов Цельсия", "ru"),
    ]
    assert [(s, getattr(s, "language", None)) for s in sentences] == [
        ("Barcode 4 6 0 7 0 0 1 2 3 4 5 6 2.", "en"),
        ("QR code.", "en"),
        ("Не выше 25 градусов Цельсия", "ru"),
    ]
    assert measured["codes"] == [["EAN13", "4607001234562"], ["QRCode", "Не выше 25 °C"]]
    assert said[:3] == [
        ("Barcode 4 6 0 7 0 0 1 2 3 4 5 6 2.", "en-gb"),
        ("QR code.", "en-gb"),
        ("Не выше 25 градусов Цельсия", "ru"),
    ]
    assert ("No text found.", "en-gb") not in said


async def test_a_blank_frame_and_a_script_without_a_voice_are_said_plainly(
    tmp_path: Path,
) -> None:
    blank = save(tmp_path / "blank", "grey.png", np.full((960, 1280, 3), 128, dtype=np.uint8))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with running_vest(tmp_path / "a", config(blank)) as (_app, client, _startup):
        t = await client.tap("x")
        said = await client.expect(event("speech.queued", source="read"), t)
        await client.expect(event("command.done", command="read"), t)
    assert said["text"] == "Nothing in view: is the camera covered?"

    qr = zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode("漢字テキスト", zxingcpp.BarcodeFormat.QRCode), scale=8
    )
    frame = np.full((960, 1280), 255, dtype=np.uint8)
    image = np.asarray(qr)
    frame[300 : 300 + image.shape[0], 500 : 500 + image.shape[1]] = image
    chinese = save(tmp_path / "qr", "qr.png", np.stack([frame] * 3, axis=2))
    async with running_vest(tmp_path / "b", config(chinese)) as (_app, client, _startup):
        t = await client.tap("x")
        await client.expect(event("command.done", command="read"), t)
        texts = [r["text"] for r in client.since(t) if r["event"] == "speech.queued"]
    assert texts[:2] == ["QR code.", "Some text here is in an alphabet I cannot read aloud."]


async def test_describe_says_the_sign_in_view_word_for_word(tmp_path: Path) -> None:
    """Describing a sign (no model here): the text OCR read is part of what is said, as read."""
    sign = ["EXIT", "Platform 3"]
    photo = save(tmp_path / "photos", "sign.png", label_photo(sign, tilt=4, size_px=40, seed=8))
    async with running_vest(tmp_path, config(photo)) as (_app, client, _startup):
        t = await client.tap("a")
        await client.expect(event("command.done", command="describe"), t)
        said = [r["text"] for r in client.since(t) if r["event"] == "speech.queued"]
    in_view = [text for text in said if text.startswith("Text in view:")]
    assert in_view == ["Text in view: EXIT Platform 3"], said
