"""What's ahead and reading text on the whole simulated vest, pressed through the control socket."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import event
from tests.integration.vest import running_vest
from vestsight.camera.photos import skimage_photo_dir

NO_MODEL = {"llm": {"enabled": False}, "speech": {"rate": 450}}


def photo(name: str) -> str:
    return str(skimage_photo_dir() / name)


async def test_whats_ahead_speaks_at_once(tmp_path: Path) -> None:
    config = {**NO_MODEL, "camera": {"photos": photo("astronaut.png")}}
    async with running_vest(tmp_path, config) as (_app, client, startup):
        unavailable = [r for r in startup if r["event"] == "vision.unavailable"]
        assert [r["detector"] for r in unavailable] in ([], ["objects"])  # no model fetched here
        t = await client.tap("y")
        press = await client.expect(event("input", button="y", action="press"), t)
        scene = await client.expect(event("vision.scene"), t)
        said = await client.expect(event("speech.start", source="ahead"), t)
    assert said["text"] == "Person at 12 o'clock, close, facing you."
    assert scene["findings"][0][0] == "person"
    assert said["mono"] - press["mono"] < 2.0  # generous for CI; `make bench-vision` measures it


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
        while app.vest.reading:
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
