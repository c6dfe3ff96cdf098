"""`make bench-vision`: how fast the fast path is, and what the vision service costs.

Prints, at the camera's working resolution:
- each detector's time per frame, called bare (directly): both object detectors (the packaged
  SSD-MobileNet-v2 and, when `make models` has fetched it, EfficientDet-Lite0), pose, faces,
  hands; and the frame facts (light, blur, plain surface);
- the vision service on the same frames, each detector in its own lane (thread), with its ratio
  to the bare detectors run one after another and to the slowest of them;
- OCR time for a page of text;
- press -> haptic acknowledgement and press -> first spoken word of "what's ahead", end to end on
  the simulated vest (control socket press to the journal's speech.start), and its ratio to the
  bare detectors "what's ahead" uses (objects, pose, faces).
Numbers, not pass/fail: compare them with DESIGN.md's targets (0.5 s to the first word on a Pi 5).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from tests.integration.vest import running_vest
from vestsight.camera.photos import SKIMAGE_PHOTOS, PhotoCamera, skimage_photo_dir
from vestsight.llm.model_files import cache_dir
from vestsight.settings import CameraSettings, VisionSettings
from vestsight.vision import make_detectors
from vestsight.vision.detectors import (
    Detector,
    FaceDetector,
    HandDetector,
    ObjectDetector,
    PoseDetector,
)
from vestsight.vision.frame_facts import measure_frame
from vestsight.vision.object_models import EFFICIENTDET, SsdDetector, packaged_ssd
from vestsight.vision.ocr import TesseractOcr
from vestsight.vision.service import VisionService

ROUNDS = 20
PRESSES = 15


def stats(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"median {statistics.median(ordered):7.1f} ms   p90 {p90:7.1f} ms"


def frames() -> list:
    camera = CameraSettings()
    source = PhotoCamera("", camera.width, camera.height)
    source.open()
    return [source.capture() for _ in SKIMAGE_PHOTOS]


def bare_detectors(min_score: float) -> list[tuple[str, Detector]]:
    return [
        ("ssd-mobilenet-v2", SsdDetector(packaged_ssd(), min_score)),
        ("efficientdet-lite0", ObjectDetector(cache_dir() / EFFICIENTDET, min_score)),
        ("pose", PoseDetector(min_score)),
        ("faces", FaceDetector(min_score)),
        ("hands", HandDetector(min_score)),
    ]


BARE: dict[str, float] = {}
"""Median bare milliseconds by detector (for the press -> word ratio)."""


async def bench_detectors() -> None:
    shots = frames()
    print(
        f"Detectors at {shots[0].width}x{shots[0].height}, {ROUNDS} rounds of {len(shots)} photos"
    )
    settings = VisionSettings()
    for name, detector in bare_detectors(settings.min_score):
        try:
            detector.open()
        except Exception as err:  # noqa: BLE001 -- a benchmark reports and goes on
            print(f"  {name:18s} unavailable: {err}")
            continue
        times = []
        for _ in range(ROUNDS):
            for frame in shots:
                started = time.perf_counter()
                detector.detect(frame.pixels)
                times.append((time.perf_counter() - started) * 1000)
        detector.close()
        BARE[name] = statistics.median(times)
        print(f"  {name:18s} bare {stats(times)}")
    facts = []
    for _ in range(ROUNDS):
        for frame in shots:
            started = time.perf_counter()
            measure_frame(frame)
            facts.append((time.perf_counter() - started) * 1000)
    print(f"  {'frame facts':18s}      {stats(facts)}")
    service = VisionService(make_detectors(settings, cache_dir()), lambda n, e: None)
    task = asyncio.create_task(service.run())
    await service.ready.wait()
    objects = "efficientdet-lite0" if "efficientdet-lite0" in BARE else "ssd-mobilenet-v2"
    BARE["objects"] = BARE[objects]
    through: list[float] = []
    for _ in range(ROUNDS):
        for frame in shots:
            started = time.perf_counter()
            await service.analyse(frame)
            through.append((time.perf_counter() - started) * 1000)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    used = [BARE[name] for name in ("objects", "pose", "faces", "hands") if name in BARE]
    print(
        f"  service, {objects} + pose + faces + hands in lanes: {stats(through)}\n"
        f"    ratio to the bare detectors one after another "
        f"{statistics.median(through) / sum(used):.2f}, to the slowest "
        f"{statistics.median(through) / max(used):.2f}"
    )


async def bench_ocr() -> None:
    ocr = TesseractOcr("eng+rus")
    ocr.check()
    camera = PhotoCamera(str(skimage_photo_dir() / "page.png"), 768, 382)
    camera.open()
    page = camera.capture()
    times = []
    for _ in range(5):
        result = await ocr.read(page.pixels)
        times.append(result.seconds * 1000)
    print(f"OCR (tesseract eng+rus) page {page.width}x{page.height}: {stats(times)}")


async def bench_press_to_speech() -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = {"llm": {"enabled": False}}
        async with running_vest(Path(folder), config) as (_app, client, _startup):
            acks, words = [], []
            for _ in range(PRESSES):
                t = await client.tap("y")
                press = await client.expect(
                    lambda r: r["event"] == "input" and r["action"] == "press", t
                )
                ack = await client.expect(lambda r: r["event"] == "haptic", t)
                said = await client.expect(
                    lambda r: r["event"] == "speech.start" and r["source"] == "ahead", t
                )
                acks.append((ack["mono"] - press["mono"]) * 1000)
                words.append((said["mono"] - press["mono"]) * 1000)
                await client.tap("b")
    print(f"Press -> haptic ack:                      {stats(acks)}")
    print(f'Press -> first word of "what\'s ahead":    {stats(words)}')
    ahead = [BARE[name] for name in ("objects", "pose", "faces") if name in BARE]
    if ahead:
        print(
            f"  ratio to its bare detectors one after another "
            f"{statistics.median(words) / sum(ahead):.2f}, to the slowest "
            f"{statistics.median(words) / max(ahead):.2f}"
        )


async def main() -> None:
    await bench_detectors()
    await bench_ocr()
    await bench_press_to_speech()


if __name__ == "__main__":
    asyncio.run(main())
