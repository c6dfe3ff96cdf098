"""Real MediaPipe and real tesseract on real photos, through the vision service."""

from __future__ import annotations

import asyncio
import threading
import tomllib
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO, TIMEOUT
from vestsight.camera.base import Frame, Pixels, make_frame
from vestsight.camera.photos import PhotoCamera, skimage_photo_dir
from vestsight.errors import OcrError, VisionError
from vestsight.llm.model_files import cache_dir
from vestsight.phrases import Phrases
from vestsight.settings import VisionSettings
from vestsight.vision import make_detectors
from vestsight.vision.detections import Detection
from vestsight.vision.detectors import Detector, FaceDetector, ObjectDetector
from vestsight.vision.ocr import TesseractOcr, paragraphs, parse_tsv
from vestsight.vision.phrasing import ahead_sentences
from vestsight.vision.service import FrameSuperseded, VisionService
from vestsight.vision.spatial import findings

SCENES = tomllib.loads((REPO / "tests" / "data" / "scenes.toml").read_text())
OBJECT_MODEL = cache_dir() / VisionSettings().object_model


def frame_of(photo: str, size: tuple[int, int] = (1280, 960)) -> Frame:
    camera = PhotoCamera(str(skimage_photo_dir() / photo), *size)
    camera.open()
    return camera.capture()


@pytest.fixture(scope="module")
def vision_loop():
    """One vision service (faces, pose, hands) for the module, run on its own loop thread."""
    loop = asyncio.new_event_loop()
    unavailable: list[tuple[str, VisionError]] = []
    settings = VisionSettings(objects=False)
    service = VisionService(
        make_detectors(settings, cache_dir()), lambda n, e: unavailable.append((n, e))
    )
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start() -> asyncio.Task[None]:
        return asyncio.create_task(service.run())

    task = asyncio.run_coroutine_threadsafe(start(), loop).result(TIMEOUT)
    asyncio.run_coroutine_threadsafe(service.ready.wait(), loop).result(TIMEOUT)

    def analyse(frame: Frame):
        return asyncio.run_coroutine_threadsafe(service.analyse(frame), loop).result(TIMEOUT)

    yield analyse

    async def stop() -> None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run_coroutine_threadsafe(stop(), loop).result(TIMEOUT)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(TIMEOUT)
    loop.close()
    assert unavailable == []


@pytest.mark.parametrize("name", list(SCENES))
def test_labelled_scenes(vision_loop, name: str) -> None:
    label = SCENES[name]
    scene = vision_loop(frame_of(label["photo"]))
    people = [f for f in findings(scene, 66.0, 41.0) if f.label == "person"]
    assert len(people) == label["people"], scene.detections
    assert set(scene.timings_ms) == {"pose", "faces", "hands"}
    if label["people"]:
        assert people[0].clock == label["clock"]
        assert people[0].facing == label["facing"]
    if "min_metres" in label:
        assert label["min_metres"] <= people[0].distance_m <= label["max_metres"]
        for language in ("en", "ru"):
            spoken = ahead_sentences(people, Phrases(language), 4)
            assert spoken == [label[f"spoken_{language}"]]


def test_astronaut_face_box_is_where_her_face_is(vision_loop) -> None:
    scene = vision_loop(frame_of("astronaut.png", (512, 512)))
    (face,) = scene.of("face")
    # Hand-labelled from the photo: her face spans about x 0.35-0.53, y 0.15-0.36.
    assert 0.30 < face.box.left < 0.40 and 0.48 < face.box.right < 0.58
    assert 0.08 < face.box.top < 0.20 and 0.30 < face.box.bottom < 0.42
    assert face.score > 0.8


def test_blank_and_noise_frames_find_nothing(vision_loop) -> None:
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
    for pixels in (np.zeros((480, 640, 3), np.uint8), noise):
        scene = vision_loop(make_frame(pixels, 1, "test"))
        assert [d.label for d in scene.detections if d.label != "hand"] == []


class GatedDetector(Detector):
    """Holds the vision thread on frame 1 until the test lets it go."""

    name = "gate"

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.seen: list[int] = []

    def open(self) -> None:
        pass

    def detect(self, rgb: Pixels) -> list[Detection]:
        number = int(rgb[0, 0, 0])
        self.seen.append(number)
        if number == 1:
            self.entered.set()
            assert self.release.wait(TIMEOUT)
        return []


def numbered(number: int) -> Frame:
    return make_frame(np.full((8, 8, 3), number, np.uint8), number, "test")


async def test_latest_frame_wins() -> None:
    gate = GatedDetector()
    service = VisionService([gate], lambda n, e: None)
    task = asyncio.create_task(service.run())
    await asyncio.wait_for(service.ready.wait(), TIMEOUT)
    first = asyncio.create_task(service.analyse(numbered(1)))
    assert await asyncio.to_thread(gate.entered.wait, TIMEOUT)
    stale = asyncio.create_task(service.analyse(numbered(2)))
    newest = asyncio.create_task(service.analyse(numbered(3)))
    with pytest.raises(FrameSuperseded):
        await asyncio.wait_for(stale, TIMEOUT)
    gate.release.set()
    assert (await asyncio.wait_for(first, TIMEOUT)).frame_number == 1
    assert (await asyncio.wait_for(newest, TIMEOUT)).frame_number == 3
    assert gate.seen == [1, 3]  # frame 2 was never analysed
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_missing_object_model_is_reported_and_the_rest_works(tmp_path: Path) -> None:
    told: list[tuple[str, VisionError]] = []
    service = VisionService(
        [ObjectDetector(tmp_path / "absent.tflite", 0.5), FaceDetector(0.5)],
        lambda name, error: told.append((name, error)),
    )
    task = asyncio.create_task(service.run())
    await asyncio.wait_for(service.ready.wait(), TIMEOUT)
    assert [(name, error.spoken) for name, error in told] == [
        ("objects", "object detection model missing")
    ]
    assert service.detector_names == ["faces"]
    scene = await asyncio.wait_for(service.analyse(frame_of("astronaut.png")), TIMEOUT)
    assert [d.label for d in scene.detections] == ["face"]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


@pytest.mark.skipif(
    not OBJECT_MODEL.is_file(),
    reason=f"object model {OBJECT_MODEL.name} not fetched (make models; needs the internet)",
)
def test_object_detector_on_real_photos() -> None:
    detector = ObjectDetector(OBJECT_MODEL, 0.4)
    detector.open()
    try:
        labels = {d.label for d in detector.detect(frame_of("coffee.png").pixels)}
        assert labels & {"cup", "bowl", "wine glass"}
        labels = {d.label for d in detector.detect(frame_of("chelsea.png").pixels)}
        assert "cat" in labels
    finally:
        detector.close()


async def test_ocr_reads_words_that_are_on_the_page() -> None:
    ocr = TesseractOcr("eng+rus")
    ocr.check()
    page = frame_of("page.png", (384, 191))
    result = await asyncio.wait_for(ocr.read(page.pixels), TIMEOUT)
    words = {w.text.strip('“”".,').lower() for w in result.words}
    assert set(SCENES["page"]["words"]) <= words
    assert len(result.paragraphs) >= 2
    assert all(w.confidence >= 50 for w in result.words)


async def test_ocr_of_a_photo_without_text_is_quiet() -> None:
    result = await asyncio.wait_for(
        TesseractOcr("eng").read(frame_of("rocket.jpg").pixels), TIMEOUT
    )
    assert len(result.text) < 40  # at most a few stray marks, never a crash


def test_ocr_missing_program_or_language_is_a_named_error() -> None:
    with pytest.raises(OcrError, match="not installed") as missing:
        TesseractOcr("eng", program="tesseract-not-here").check()
    assert "tesseract-ocr" in missing.value.advice
    with pytest.raises(OcrError, match="klingon") as no_lang:
        TesseractOcr("eng+klingon").check()
    assert no_lang.value.advice == "apt install tesseract-ocr-klingon"


def test_tsv_parsing_reading_order_and_hyphenation() -> None:
    columns = "level page_num block_num par_num line_num word_num left top width height conf text"
    header = columns.replace(" ", "\t")
    rows = [
        "5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t95\tThe",
        "5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t91\tele-",
        "5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t93\tvator",
        "5\t1\t1\t1\t2\t2\t0\t0\t1\t1\t12\t~~",
        "5\t1\t1\t1\t2\t3\t0\t0\t1\t1\t90\tis",
        "5\t1\t2\t1\t1\t1\t0\t0\t1\t1\t96\tEXIT",
        "4\t1\t2\t1\t1\t0\t0\t0\t1\t1\t-1\t",
        "5\t1\tx\t1\t1\t1\t0\t0\t1\t1\t96\tbroken",
    ]
    words = parse_tsv("\n".join([header, *rows]))
    assert [w.text for w in words] == ["The", "ele-", "vator", "is", "EXIT"]
    assert paragraphs(words) == ("The elevator is", "EXIT")
