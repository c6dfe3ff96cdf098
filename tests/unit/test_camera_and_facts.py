"""The simulated camera serves real photos; frame facts are measured, not made up."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from tests.conftest import TIMEOUT
from vestsight.camera.base import CameraBackend, CameraService, Frame, make_frame
from vestsight.camera.photos import SKIMAGE_PHOTOS, PhotoCamera, skimage_photo_dir
from vestsight.errors import CameraError
from vestsight.vision.frame_facts import measure_frame


def photo(name: str, size: tuple[int, int] = (640, 480)):
    camera = PhotoCamera(str(skimage_photo_dir() / name), *size)
    camera.open()
    return camera.capture()


def test_simulated_camera_cycles_through_real_photos() -> None:
    camera = PhotoCamera("", 320, 240)
    camera.open()
    frames = [camera.capture() for _ in range(len(SKIMAGE_PHOTOS) + 1)]
    assert [f.source for f in frames[:-1]] == list(SKIMAGE_PHOTOS)
    assert frames[-1].source == SKIMAGE_PHOTOS[0]
    assert [f.number for f in frames] == list(range(1, len(frames) + 1))
    for frame in frames:
        assert frame.pixels.shape == (240, 320, 3) and frame.pixels.dtype == np.uint8
        assert not frame.pixels.flags.writeable
        assert frame.pixels.std() > 10  # a real picture, not a blank


def test_photo_folder_and_bad_sources(tmp_path: Path) -> None:
    Image.new("RGB", (50, 40), (200, 10, 10)).save(tmp_path / "b.png")
    Image.new("RGB", (50, 40), (10, 10, 200)).save(tmp_path / "a.jpg")
    (tmp_path / "notes.txt").write_text("not a photo")
    camera = PhotoCamera(str(tmp_path), 64, 48)
    camera.open()
    assert [camera.capture().source for _ in range(2)] == ["a.jpg", "b.png"]
    with pytest.raises(CameraError, match="does not exist"):
        PhotoCamera(str(tmp_path / "missing"), 64, 48).open()
    (tmp_path / "broken.png").write_bytes(b"\x89PNG garbage")
    broken = PhotoCamera(str(tmp_path / "broken.png"), 64, 48)
    broken.open()
    with pytest.raises(CameraError, match="cannot read photo"):
        broken.capture()


async def test_camera_service_fails_when_the_camera_breaks(tmp_path: Path) -> None:
    path = tmp_path / "scene.png"
    Image.new("RGB", (64, 48), (0, 128, 0)).save(path)
    service = CameraService(PhotoCamera(str(path), 64, 48))
    with pytest.raises(CameraError, match="not ready"):
        await service.capture()
    task = asyncio.create_task(service.run())
    await asyncio.wait_for(service.ready.wait(), TIMEOUT)
    frame = await asyncio.wait_for(service.capture(), TIMEOUT)
    assert frame.source == "scene.png"
    path.write_bytes(b"unplugged")
    with pytest.raises(CameraError):
        await asyncio.wait_for(service.capture(), TIMEOUT)
    with pytest.raises(CameraError, match="cannot read photo"):
        await asyncio.wait_for(task, TIMEOUT)  # run() fails: the supervisor will restart it
    assert not service.ready.is_set()


class CableCamera(CameraBackend):
    """A camera whose cable is in or out; a capture can be made to hang in the "driver"."""

    def __init__(self, plugged: bool = True) -> None:
        self.plugged = threading.Event()
        if plugged:
            self.plugged.set()
        self.hang = threading.Event()
        """Set: the next capture blocks until `let_go` is set."""
        self.let_go = threading.Event()
        self.tries = threading.Semaphore(0)
        """Released once per check that found no frame."""
        self.opened_on: list[threading.Thread] = []
        self.stalled_on: threading.Thread | None = None
        self.captured_on: threading.Thread | None = None
        self.count = 0

    def open(self) -> None:
        self.opened_on.append(threading.current_thread())

    def capture(self) -> Frame:
        self.captured_on = threading.current_thread()
        if self.hang.is_set():
            self.hang.clear()
            self.stalled_on = threading.current_thread()
            self.let_go.wait(TIMEOUT)
        if not self.plugged.is_set():
            raise CameraError("no frame: the cable is out")
        self.count += 1
        return make_frame(np.zeros((48, 64, 3), np.uint8), self.count, "cable")

    def check(self) -> None:
        if not self.plugged.is_set():
            self.tries.release()
        self.capture()

    def close(self) -> None:
        pass


async def tried(camera: CableCamera, times: int) -> None:
    for _ in range(times):
        assert await asyncio.to_thread(camera.tries.acquire, True, TIMEOUT)


async def test_the_camera_is_ready_only_once_it_gives_a_frame() -> None:
    """Unplugged it keeps trying, says why it is not ready; plugged in, it is back."""
    camera = CableCamera(plugged=False)
    service = CameraService(camera, retry_delays_s=(0.01,))
    task = asyncio.create_task(service.run())
    try:
        await tried(camera, 3)  # open works, no frame: not ready, and it tries again
        assert not service.ready.is_set()
        assert service.problem is not None and "cable is out" in service.problem.message
        with pytest.raises(CameraError, match="not ready: no frame: the cable is out"):
            await service.capture()
        camera.plugged.set()
        await asyncio.wait_for(service.ready.wait(), TIMEOUT)
        assert service.problem is None
        assert (await asyncio.wait_for(service.capture(), TIMEOUT)).source == "cable"
    finally:
        task.cancel()
        await asyncio.wait({task}, timeout=TIMEOUT)
    assert not service.ready.is_set()


async def test_the_simulated_camera_with_an_unreadable_photo_is_not_ready(tmp_path: Path) -> None:
    path = tmp_path / "scene.png"
    path.write_bytes(b"unplugged")
    service = CameraService(PhotoCamera(str(path), 64, 48), retry_delays_s=(0.01,))
    task = asyncio.create_task(service.run())
    try:
        with pytest.raises(CameraError, match="not ready"):
            await service.capture()
        Image.new("RGB", (64, 48), (0, 128, 0)).save(path)
        await asyncio.wait_for(service.ready.wait(), TIMEOUT)
        frame = await asyncio.wait_for(service.capture(), TIMEOUT)
        assert frame.number == 1  # the check before "ready" took no photo in turn
    finally:
        task.cancel()
        await asyncio.wait({task}, timeout=TIMEOUT)


async def test_camera_calls_never_wait_for_the_shared_thread_pool() -> None:
    """The loop's default pool busy with other work: the camera still opens and captures."""
    loop = asyncio.get_running_loop()
    pool = concurrent.futures.ThreadPoolExecutor(1)
    loop.set_default_executor(pool)
    busy = threading.Event()
    blocked = loop.run_in_executor(None, busy.wait, TIMEOUT)
    camera = CableCamera()
    service = CameraService(camera)
    task = asyncio.create_task(service.run())
    try:
        await asyncio.wait_for(service.ready.wait(), TIMEOUT)
        assert (await asyncio.wait_for(service.capture(), TIMEOUT)).source == "cable"
        assert not blocked.done()
    finally:
        busy.set()
        task.cancel()
        await asyncio.wait({task}, timeout=TIMEOUT)
        await asyncio.wait_for(blocked, TIMEOUT)


async def test_a_stalled_capture_fails_and_the_camera_reopens_on_a_new_thread() -> None:
    camera = CableCamera()
    service = CameraService(camera, capture_timeout_s=1.0)
    runs = [asyncio.create_task(service.run())]
    try:
        await asyncio.wait_for(service.ready.wait(), TIMEOUT)
        camera.hang.set()
        stalled = asyncio.create_task(service.capture())
        waiting = asyncio.create_task(service.capture())  # its turn comes after the stall
        with pytest.raises(CameraError, match="no frame within"):
            await asyncio.wait_for(stalled, TIMEOUT)
        with pytest.raises(CameraError, match="not ready"):
            await asyncio.wait_for(waiting, TIMEOUT)
        with pytest.raises(CameraError, match="no frame within"):
            await asyncio.wait_for(runs[0], TIMEOUT)  # run() fails: the supervisor restarts it
        runs.append(asyncio.create_task(service.run()))  # as the supervisor does
        await asyncio.wait_for(service.ready.wait(), TIMEOUT)
        assert (await asyncio.wait_for(service.capture(), TIMEOUT)).source == "cable"
        assert service.ready.is_set()  # the capture that waited its turn broke nothing
        # The stalled capture still holds its thread; opening again and capturing used another.
        assert camera.stalled_on is not None and camera.stalled_on.is_alive()
        assert camera.opened_on[0] is camera.stalled_on
        assert camera.opened_on[1] is camera.captured_on is not camera.stalled_on
    finally:
        camera.let_go.set()
        for task in runs:
            task.cancel()
        await asyncio.wait(runs, timeout=TIMEOUT)


def test_facts_of_real_photos() -> None:
    rocket = measure_frame(photo("rocket.jpg"))
    assert rocket.colours[0][0] == "blue"
    chelsea = measure_frame(photo("chelsea.png"))
    assert {name for name, _ in chelsea.colours} <= {"brown", "orange"}
    page = measure_frame(photo("page.png"))
    assert {name for name, _ in page.colours} <= {"grey", "white"}
    for facts in (rocket, chelsea, page):
        assert facts.focus == "sharp"
        assert 0 < facts.brightness < 1


def test_blur_and_darkness_are_measured() -> None:
    frame = photo("astronaut.png")
    sharp = measure_frame(frame)
    blurred_pixels = np.asarray(Image.fromarray(frame.pixels).filter(ImageFilter.GaussianBlur(6)))
    blurred = measure_frame(make_frame(blurred_pixels, 1, "blurred"))
    assert sharp.focus == "sharp" and blurred.focus == "blurry"
    assert blurred.sharpness < sharp.sharpness / 10
    dark = measure_frame(make_frame((frame.pixels * 0.1).astype(np.uint8), 1, "dark"))
    assert dark.light == "dark"
    assert dark.brightness < sharp.brightness / 5


def test_prompt_text_carries_the_measurements() -> None:
    text = measure_frame(photo("coffee.png")).as_prompt_text()
    assert text.startswith("light: ") and "main colours:" in text and "focus: sharp" in text


def lit(pixels: np.ndarray, gain: float, noise: float = 2.0) -> np.ndarray:
    """`pixels` under `gain` times the light, with a sensor's noise."""
    rng = np.random.default_rng(3)
    return np.clip(pixels * gain + rng.normal(0, noise, pixels.shape), 0, 255).astype(np.uint8)


def test_frames_unfit_to_trust_are_named_worst_first() -> None:
    for name in ("astronaut.png", "motorcycle_left.png", "coffee.png"):
        pixels = photo(name).pixels.astype(np.float32)
        assert measure_frame(make_frame(lit(pixels, 1.0), 1, name)).problem is None
        assert measure_frame(make_frame(lit(pixels, 0.12), 1, name)).problem == "dark"
        assert measure_frame(make_frame(lit(pixels, 3.5), 1, name)).problem == "bright"
        blurred = Image.fromarray(photo(name).pixels).filter(ImageFilter.GaussianBlur(6))
        facts = measure_frame(make_frame(lit(np.asarray(blurred, np.float32), 1.0), 1, name))
        assert facts.problem == "blurred", name


def test_a_plain_surface_is_not_taken_for_blur_and_textures_are_not_plain() -> None:
    rows, cols = np.mgrid[0:480, 0:640]
    # A painted wall right in front of the lens: light falling off to one side and the corners.
    falloff = 1 - 0.3 * cols / 640 - 0.2 * ((rows - 240) ** 2 / 240**2 + (cols - 320) ** 2 / 320**2)
    wall = np.repeat((170 * falloff)[..., None], 3, axis=2) * np.array([1.0, 0.95, 0.85])
    for gain in (1.0, 0.45):  # in good light and in dim light
        facts = measure_frame(make_frame(lit(wall, gain), 1, "wall"))
        assert facts.problem == "plain" and facts.focus == "plain", facts
    for name in ("brick.png", "gravel.png", "grass.png", "moon.png", "chelsea.png"):
        textured = measure_frame(photo(name))
        assert textured.problem is None, (name, textured)
