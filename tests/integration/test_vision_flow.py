"""What's ahead, find, remember / where is and reading text on the whole simulated vest, pressed
through the control socket, with the real detectors (the object detector from PyPI)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from PIL import Image

from tests.conftest import event
from tests.integration.vest import running_vest
from vestsight.camera.photos import skimage_photo_dir

NO_MODEL = {"llm": {"enabled": False}, "speech": {"rate": 450}}


def photo(name: str) -> str:
    return str(skimage_photo_dir() / name)


def darkened(folder: Path, name: str, light: float) -> str:
    """`name` as the camera sees it with `light` times the light (and a sensor's noise)."""
    with Image.open(photo(name)) as image:
        pixels = np.asarray(image.convert("RGB"), np.float32)
    noise = np.random.default_rng(5).normal(0, 2, pixels.shape)
    path = folder / f"dark-{name}"
    Image.fromarray(np.clip(pixels * light + noise, 0, 255).astype(np.uint8)).save(path)
    return str(path)


def shown(folder: Path, image: Image.Image) -> Path:
    """Put `image` in front of the simulated camera (`scene.png`, read at every frame): written
    beside it, then moved over it, so a frame never sees half a file."""
    scene, part = folder / "scene.png", folder / "scene.part.png"
    with image:
        image.save(part)
    part.replace(scene)
    return scene


async def test_whats_ahead_speaks_at_once(tmp_path: Path) -> None:
    config = {**NO_MODEL, "camera": {"photos": photo("astronaut.png")}}
    async with running_vest(tmp_path, config) as (_app, client, startup):
        assert [r for r in startup if r["event"] == "vision.unavailable"] == []
        t = await client.tap("y")
        press = await client.expect(event("input", button="y", action="press"), t)
        scene = await client.expect(event("vision.scene"), t)
        said = await client.expect(event("speech.start", source="ahead"), t)
    assert said["text"] == "Person at 12 o'clock, within arm's reach, facing you."
    assert scene["findings"][0][0] == "person"
    assert said["mono"] - press["mono"] < 2.0  # generous for CI; `make bench-vision` measures it


async def test_whats_ahead_names_things_and_says_a_dark_frame_first(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.open(photo("coffee.png")).save(photos / "1-coffee.png")
    dark = darkened(tmp_path, "astronaut.png", 0.1)
    Image.open(dark).save(photos / "2-dark.png")
    config = {**NO_MODEL, "camera": {"photos": str(photos)}}
    async with running_vest(tmp_path, config) as (_app, client, _startup):
        t = await client.tap("y")
        await client.expect(event("command.done", command="ahead"), t)
        coffee = await client.said(t, "ahead")
        t = await client.tap("y")
        await client.expect(event("command.done", command="ahead"), t)
        in_the_dark = await client.said(t, "ahead")
    assert any(s.startswith("Cup at 12 o'clock") for s in coffee), coffee
    assert in_the_dark[0] == "Very dark; I may miss things.", in_the_dark


async def test_remember_find_and_where_is_on_real_detections_across_a_restart(
    tmp_path: Path,
) -> None:
    config = {**NO_MODEL, "camera": {"photos": photo("motorcycle_left.png")}}
    async with running_vest(tmp_path, config) as (app, client, _startup):
        t = await client.hold("y")  # remember
        await client.expect(event("command.done", command="remember"), t)
        assert await client.said(t, "memory") == ["Remembered motorcycle, place unknown."]

        t = await client.tap("right")  # find: what was remembered is offered first
        menu = await client.expect(event("menu.open"), t)
        assert menu["options"][:2] == ["motorcycle", "person"]
        assert {"cup", "chair", "dog"} <= set(menu["options"])  # what the detector can name
        t = await client.tap("a")
        ahead = await client.expect(
            lambda r: r["event"] == "speech.queued" and "straight ahead" in r["text"], t
        )
        await client.expect(event("haptic", pattern="centred"), t)
        t_stop = await client.tap("b")
        await client.expect(event("command.cancel"), t_stop)
        found = await client.said(t, "find")
        assert found[:2] == ["Looking for motorcycle.", "Found it."]
        assert ahead["text"] == "Motorcycle straight ahead, about 2 metres."
        assert app.vest.memory is not None
    async with running_vest(tmp_path, config) as (_app, client, _startup):
        t = await client.hold("right")  # where is: one thing remembered, so no menu
        await client.expect(event("command.done", command="where_is"), t)
        assert await client.said(t, "memory") == ["Motorcycle, place unknown, just now."]
        assert [r for r in client.since(t) if r["event"] == "menu.open"] == []


async def test_find_with_only_people_to_find_starts_at_once(tmp_path: Path) -> None:
    config = {
        **NO_MODEL,
        "camera": {"photos": photo("astronaut.png")},
        "vision": {"objects": False},
        "memory": {"enabled": False},
    }
    async with running_vest(tmp_path, config) as (_app, client, _startup):
        t = await client.tap("right")
        ahead = await client.expect(
            lambda r: r["event"] == "speech.queued" and "straight ahead" in r["text"], t
        )
        t_stop = await client.tap("b")
        await client.expect(event("command.cancel"), t_stop)
        said = await client.said(t, "find")
    assert [r for r in client.since(t) if r["event"] == "menu.open"] == []
    assert said[:2] == ["Looking for person.", "Found it."]
    assert ahead["text"] == "Person straight ahead, within arm's reach."


async def test_find_says_found_then_lost_when_the_person_leaves_the_view(
    tmp_path: Path,
) -> None:
    scene = shown(tmp_path, Image.open(photo("astronaut.png")))
    config = {
        **NO_MODEL,
        "camera": {"photos": str(scene)},
        "vision": {"objects": False},
        "memory": {"enabled": False},
    }
    async with running_vest(tmp_path, config) as (_app, client, _startup):
        t = await client.tap("right")
        await client.expect(event("speech.queued", text="Found it."), t)
        # The person walks away: the camera sees a bare wall from the next frame on.
        shown(tmp_path, Image.new("RGB", (640, 480), (182, 176, 168)))
        gone = time.monotonic()  # the vest runs in this process: the journal's clock
        lost = await client.expect(event("speech.queued", text="Lost person."), gone)
        t_stop = await client.tap("b")
        await client.expect(event("command.cancel"), t_stop)
    early = [r for r in client.since(t) if r.get("text") == "Lost person." and r["mono"] < gone]
    assert early == [] and lost["mono"] > gone


async def test_a_missing_object_model_is_said_once_and_the_packaged_one_works(
    tmp_path: Path,
) -> None:
    config = {
        **NO_MODEL,
        "camera": {"photos": photo("chelsea.png")},
        "vision": {"object_model": "no-such-model.tflite"},
    }
    async with running_vest(tmp_path, config) as (_app, client, _startup):
        t = await client.tap("y")  # answered once the packaged detector is open
        await client.expect(event("command.done", command="ahead"), t)
        assert (await client.said(t, "ahead"))[0].startswith("Cat at 12 o'clock")
    journal = (tmp_path / "run" / "journal.jsonl").read_text(encoding="utf-8").splitlines()
    said = [r["text"] for r in map(json.loads, journal) if r["event"] == "speech.queued"]
    assert said.count("Object detection model missing; using the basic one.") == 1


async def test_read_text_piece_by_piece_then_continue(tmp_path: Path) -> None:
    config = {
        **NO_MODEL,
        "camera": {"photos": photo("page.png"), "width": 768, "height": 382},
        "vision": {"read_chunk_chars": 80},
    }
    async with running_vest(tmp_path, config) as (app, client, _startup):
        t = await client.tap("x")
        text = await client.expect(event("read.text"), t)
        assert "markers" in text["text"] and "background" in text["text"]
        hint = await client.expect(
            event("speech.queued", source="read", text="More text: press continue."), t
        )
        first_piece = [r["text"] for r in client.since(t) if r["event"] == "speech.queued"][:-1]
        assert first_piece and sum(len(s) for s in first_piece) <= 80 + len(first_piece)

        t = await client.tap("r")  # continue: the press cuts the hint, then the next piece
        await client.expect(event("command.done", command="continue"), t)
        second_piece = [r["text"] for r in client.since(t) if r["event"] == "speech.queued"]
        assert second_piece and second_piece[0] not in first_piece
        while app.vest.session.reading:
            t = await client.tap("r")
            await client.expect(event("command.done", command="continue"), t)
        end = [r["text"] for r in client.since(t) if r["event"] == "speech.queued"][-1]
        assert end == "End of text."
        t = await client.tap("r")
        nothing = await client.expect(event("speech.queued", source="read"), t)
        assert nothing["text"] == "Nothing more to read."
        assert hint["mono"] > text["mono"]


async def test_reading_a_photo_without_text_says_so(tmp_path: Path) -> None:
    config = {**NO_MODEL, "camera": {"photos": photo("rocket.jpg")}}
    async with running_vest(tmp_path, config) as (_app, client, _startup):
        t = await client.tap("x")
        said = await client.expect(event("speech.queued", source="read"), t)
    assert said["text"] in ("No text found.", "End of text.")
