"""Reading real labels: measured, levelled and read with real tesseract; told what is wrong when
they cannot be read. Labels are rendered with real fonts (tests/bench/reading_labels.py) and
photographed badly on purpose; seeds here are not the bench's."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from tests.bench.reading_labels import (
    CONDITIONS,
    Condition,
    character_accuracy,
    make_sample,
    shifted,
)
from tests.conftest import TIMEOUT
from vestsight.camera.photos import PhotoCamera, skimage_photo_dir
from vestsight.errors import OcrError
from vestsight.vision.ocr import TesseractOcr
from vestsight.vision.text_guidance import (
    Advice,
    after_reading,
    cut_sides,
    readiness,
    seen_problem,
)
from vestsight.vision.text_reader import strangers
from vestsight.vision.text_region import analyse
from vestsight.vision.text_result import OcrWord, paragraphs
from vestsight.vision.text_script import mend_lines, mend_word

FLAT = CONDITIONS[0]


@pytest.fixture(scope="module")
def ocr() -> TesseractOcr:
    reader = TesseractOcr("eng+rus")
    reader.check()
    return reader


@pytest.mark.parametrize("degrees", [-30, -18, -9, -4, 0, 3, 7, 12, 21, 30])
def test_the_lines_angle_is_measured(degrees: float) -> None:
    sample = make_sample(11, Condition("tilted", tilt=(abs(degrees), abs(degrees))), "en")
    layout = analyse(sample.pixels)
    assert layout.found
    assert layout.angle == pytest.approx(-sample.tilt, abs=0.7)  # tilt: clockwise on screen
    assert layout.lines >= len(sample.lines) - 1


@pytest.mark.parametrize(("language", "seed"), [("en", 21), ("ru", 22), ("ru", 23)])
async def test_labels_tilted_nine_degrees_are_read_as_written(
    ocr: TesseractOcr, language: str, seed: int
) -> None:
    """The issue's case: at 9 degrees the vest used to say "No text found"."""
    sample = make_sample(seed, Condition("9", tilt=(9, 9), noise=4, jpeg=70), language, "label")
    result = await asyncio.wait_for(ocr.read(sample.pixels), TIMEOUT)
    assert character_accuracy(result.text, sample.text) >= 0.95, (result.text, sample.text)
    assert after_reading(result) is Advice.READABLE
    first = sample.lines[0].split()[0]
    assert result.text.split()[0] == first  # lines in reading order


@pytest.mark.parametrize("quarter_turns", [1, 2, 3])
async def test_labels_held_sideways_or_upside_down_are_turned(
    ocr: TesseractOcr, quarter_turns: int
) -> None:
    sample = make_sample(31, FLAT, "ru", "label")
    turned = np.ascontiguousarray(np.rot90(sample.pixels, quarter_turns))
    result = await asyncio.wait_for(ocr.read(turned), TIMEOUT)
    assert character_accuracy(result.text, sample.text) >= 0.9, result.text
    assert result.passes <= 4


async def test_a_photo_without_text_has_no_text_and_no_hint(ocr: TesseractOcr) -> None:
    for photo in ("chelsea.png", "coffee.png", "rocket.jpg"):
        camera = PhotoCamera(str(skimage_photo_dir() / photo), 1280, 960)
        camera.open()
        frame = camera.capture()
        layout = analyse(frame.pixels)
        assert not layout.found, (photo, layout)
        result = await asyncio.wait_for(ocr.read(frame.pixels), TIMEOUT)
        assert after_reading(result) is Advice.NO_TEXT, (photo, result.text)


def test_blank_and_dark_frames_are_named() -> None:
    grey = np.full((960, 1280, 3), 128, dtype=np.uint8)
    assert seen_problem(analyse(grey)) is Advice.BLANK
    dark = np.random.default_rng(1).integers(0, 12, (960, 1280, 3), dtype=np.uint8)
    assert seen_problem(analyse(dark)) is Advice.DARK
    tiny = np.zeros((1, 1, 3), dtype=np.uint8)
    assert seen_problem(analyse(tiny)) is Advice.DARK


@pytest.mark.parametrize(("dx", "side", "advice"), [
    (-0.4, "left", Advice.CUT_LEFT),
    (0.4, "right", Advice.CUT_RIGHT),
])  # fmt: skip
def test_text_running_out_of_the_frame_is_cut_off_on_that_side(
    dx: float, side: str, advice: Advice
) -> None:
    sample = shifted(41, "en", dx)
    layout = analyse(sample.pixels)
    assert layout.found and side in layout.cut
    assert seen_problem(layout) is advice
    assert cut_sides(layout) is advice
    assert readiness(layout) <= 0.5


def test_small_text_is_too_far_and_soft_text_is_blurred() -> None:
    far = analyse(make_sample(51, Condition("far", text_px=(7, 7)), "en", "label").pixels)
    assert far.found and seen_problem(far) is Advice.TOO_FAR
    soft = make_sample(52, Condition("soft", blur=3.5, text_px=(22, 22)), "ru", "label")
    blurred = analyse(soft.pixels)
    assert blurred.found and seen_problem(blurred) is Advice.BLURRED
    assert 0 < readiness(blurred) < 1
    sharp = analyse(make_sample(53, FLAT, "en", "label").pixels)
    assert seen_problem(sharp) is Advice.READABLE and readiness(sharp) == 1.0


async def test_blurred_text_is_blurred_after_reading_too(ocr: TesseractOcr) -> None:
    soft = make_sample(54, Condition("soft", blur=3.0, text_px=(20, 20)), "en", "label")
    result = await asyncio.wait_for(ocr.read(soft.pixels), TIMEOUT)
    assert after_reading(result) is Advice.BLURRED


async def test_a_huge_page_is_read_within_bounds(ocr: TesseractOcr) -> None:
    page = make_sample(61, Condition("page", text_px=(10, 10)), "en", "document")
    huge = np.ascontiguousarray(np.tile(page.pixels, (3, 3, 1)))  # 3840 x 2880
    result = await asyncio.wait_for(ocr.read(huge), TIMEOUT * 3)
    assert result.layout is not None and result.layout.width == 3840
    assert result.characters > 100


async def test_a_tesseract_pass_that_takes_too_long_is_killed() -> None:
    slow = TesseractOcr("eng+rus", timeout_s=0.001)
    sample = make_sample(62, FLAT, "en", "document")
    with pytest.raises(OcrError, match="took more than"):
        await asyncio.wait_for(slow.read(sample.pixels), TIMEOUT)


def test_look_alike_letters_are_put_in_their_words_alphabet() -> None:
    # "He" (Latin H, e) among Russian words is the Russian "Не" (not): the meaning depends on it.
    [line] = mend_lines([["He", "выше", "25", "градусов"]])
    assert line[0] == "Не" and all("\u0400" <= ch <= "\u04ff" for ch in line[0])
    assert mend_word("Пapaцeтaмoл", "") == "Парацетамол"  # Latin a, e, o inside
    assert mend_word("Nurоfen", "") == "Nurofen"  # a Cyrillic о inside
    assert mend_word("TP2359", "CYRILLIC") == "TP2359"  # a code stays as printed
    assert mend_lines([["HE", "IS", "OK"], ["Hello"]]) == [["HE", "IS", "OK"], ["Hello"]]
    # A line of look-alikes only keeps the alphabet tesseract read it in, among Russian lines too.
    assert mend_lines([["Годен", "до"], ["EXP", "08/2026"]])[1] == ["EXP", "08/2026"]
    assert mend_lines([["ЕХР", "08/2026"], ["Годен", "ЕХР"]]) == [
        ["EXP", "08/2026"],
        ["Годен", "EXP"],
    ]
    # "мг" read as Latin "mr" after a number in a Russian line is put back.
    assert mend_lines([["Парацетамол", "500", "mr"]]) == [["Парацетамол", "500", "мг"]]
    assert mend_lines([["Mr", "Smith", "500", "mr"]])[0][3] == "mr"


def test_words_in_the_other_alphabet_are_strangers_unless_sure() -> None:
    russian = ["Годен", "до", "Масса", "нетто", "Энергетическая", "ценность"]
    words = [
        OcrWord("BXOJLHbIM", 84, (1, 1), 1),
        *[OcrWord(w, 96, (1, 1), 2) for w in russian],
        OcrWord("Bayer", 96, (1, 1), 3),
        OcrWord("UU20533", 70, (1, 1), 3),
    ]
    assert strangers(words) == [0]
    english = [OcrWord(w, 90, (1, 1), 1) for w in ["Store", "below", "twenty", "degrees"]]
    assert strangers(english) == []


def test_lines_of_a_label_stay_apart_and_wrapped_lines_run_on() -> None:
    def word(text: str, line: int, left: int, width: int) -> OcrWord:
        return OcrWord(text, 95, (1, 1), line, (left, line * 40, width, 30))

    label = [word("Aspirin", 1, 150, 100), word("20", 2, 100, 60), word("tablets", 2, 170, 150)]
    assert paragraphs(label) == ("Aspirin\n20 tablets",)
    page = [word("The", 1, 0, 100), word("lift", 1, 110, 390), word("is", 2, 0, 60)]
    assert paragraphs(page) == ("The lift is",)
    store = [word("Store", 1, 0, 500), word("EXP", 2, 0, 80), word("08/2026", 2, 90, 150)]
    assert paragraphs(store) == ("Store\nEXP 08/2026",)  # a label's line after its widest
