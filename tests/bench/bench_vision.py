"""`make bench-vision`: how fast the fast path is, and what the vision service costs.

Prints, at the camera's working resolution:
- each detector's time per frame, called bare (directly) and through the vision service, with
  the service/bare ratio (target: about 1.0; the service only adds a thread hop);
- OCR time for a page of text;
- press -> haptic acknowledgement and press -> first spoken word of "what's ahead", end to end on
  the simulated vest (control socket press to the journal's speech.start).
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


async def bench_detectors() -> None:
    shots = frames()
    print(
        f"Detectors at {shots[0].width}x{shots[0].height}, {ROUNDS} rounds of {len(shots)} photos"
    )
    detectors = make_detectors(VisionSettings(), cache_dir())
    bare: dict[str, list[float]] = {}
    for detector in detectors:
        try:
            detector.open()
        except Exception as err:  # noqa: BLE001 -- a benchmark reports and goes on
            print(f"  {detector.name:8s} unavailable: {err}")
            continue
        times = bare.setdefault(detector.name, [])
        for _ in range(ROUNDS):
            for frame in shots:
                started = time.perf_counter()
                detector.detect(frame.pixels)
                times.append((time.perf_counter() - started) * 1000)
        detector.close()
    service = VisionService(make_detectors(VisionSettings(), cache_dir()), lambda n, e: None)
    task = asyncio.create_task(service.run())
    await service.ready.wait()
    through: list[float] = []
    per_detector: dict[str, list[float]] = {}
    for _ in range(ROUNDS):
        for frame in shots:
            started = time.perf_counter()
            scene = await service.analyse(frame)
            through.append((time.perf_counter() - started) * 1000)
            for name, ms in scene.timings_ms.items():
                per_detector.setdefault(name, []).append(ms)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    for name, times in bare.items():
        ratio = statistics.median(per_detector[name]) / statistics.median(times)
        print(f"  {name:8s} bare {stats(times)}   in service: ratio {ratio:.2f}")
    total_bare = sum(statistics.median(t) for t in bare.values())
    print(f"  all      via service {stats(through)}   service/bare ratio "
          f"{statistics.median(through) / total_bare:.2f}")  # fmt: skip


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


async def main() -> None:
    await bench_detectors()
    await bench_ocr()
    await bench_press_to_speech()


if __name__ == "__main__":
    asyncio.run(main())
