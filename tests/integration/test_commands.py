"""Every wearer command through the control socket on the whole simulated vest.

Each test asserts what was spoken (the journal's speech records) and felt (haptic records and
the gpiozero mock motor pin). Long presses go through the socket's "hold", which releases the
button after the configured hold time, as a finger would.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from PIL import Image

from tests.conftest import event
from tests.integration.vest import VestClient, running_vest
from vestsight.camera.photos import skimage_photo_dir
from vestsight.commands.finding import pulse_period

NO_MODEL = {"llm": {"enabled": False}}


async def finished(client: VestClient, command: str, since: float) -> None:
    await client.expect(event("command.done", command=command), since)


async def test_help_speaks_every_button_short_and_held(tmp_path: Path) -> None:
    async with running_vest(tmp_path, NO_MODEL) as (_app, client, _startup):
        t = await client.tap("select")
        await finished(client, "help", t)
        said = await client.said(t, "command")
    assert said[0] == "Buttons."
    assert "A: describe." in said
    assert "A, held: tell me more." in said
    assert (
        "Vest main button, held: what's ahead." in said
        or "vest main button, held: what's ahead." in said
    )


async def test_status_says_the_time_and_the_engine_state(tmp_path: Path) -> None:
    async with running_vest(tmp_path, NO_MODEL) as (_app, client, _startup):
        t = await client.tap("start")
        await finished(client, "status", t)
        said = await client.said(t, "command")
    assert re.fullmatch(r"It is \d\d:\d\d\.", said[0])
    assert said[-3:] == [
        "Controls, camera and speech working.",
        "Controller connected, battery 100 percent.",  # the simulated pad (make run's)
        "Description engine switched off.",
    ]


async def test_repeat_says_the_last_answer_again(tmp_path: Path) -> None:
    async with running_vest(tmp_path, NO_MODEL) as (_app, client, _startup):
        await client.tap("l")  # nothing said yet
        t = await client.tap("start")
        await finished(client, "status", t)
        status = await client.said(t, "command")
        t = await client.tap("l")
        await finished(client, "repeat", t)
        assert await client.said(t, "repeat") == status


async def test_rate_volume_and_detail_change_and_survive_a_restart(tmp_path: Path) -> None:
    async with running_vest(tmp_path, NO_MODEL) as (app, client, _startup):
        t = await client.tap("up")
        await finished(client, "faster", t)
        t = await client.tap("up")
        await finished(client, "faster", t)
        t = await client.tap("down")
        await finished(client, "slower", t)
        t = await client.tap("r2")
        await finished(client, "louder", t)
        t = await client.hold("start")
        await finished(client, "verbosity", t)
        said = await client.said(0.0, "command")
        assert said[-5:] == [
            "Speech rate 200.", "Speech rate 225.", "Speech rate 200.", "Volume 120.", "Detailed."
        ]  # fmt: skip
        assert app.speaker.voice.rate == 200
    async with running_vest(tmp_path, NO_MODEL) as (app, client, _startup):
        assert (app.speaker.voice.rate, app.speaker.voice.volume) == (200, 120)
        assert app.vest.session.prefs.verbosity == "detailed"
        for _ in range(8):  # the rate stops at its limit, and says so by not moving
            t = await client.tap("down")
            await finished(client, "slower", t)
        assert (await client.said(t, "command")) == ["Speech rate 80."]


async def test_language_menu_switches_to_russian_voice_and_phrases(tmp_path: Path) -> None:
    async with running_vest(tmp_path, NO_MODEL) as (app, client, _startup):
        t = await client.hold("select")
        menu = await client.expect(event("menu.open"), t)
        assert menu["options"] == ["en", "ru"]
        await client.expect(event("speech.queued", source="menu", text="English"), t)
        t = await client.tap("right")
        await client.expect(event("speech.queued", source="menu", text="Русский"), t)
        t = await client.tap("a")
        set_to = await client.expect(event("speech.queued", source="command"), t)
        assert set_to["text"] == "Русский." and set_to["voice"] == "ru"
        t = await client.tap("select")
        await finished(client, "help", t)
        help_ru = await client.said(t, "command")
        assert help_ru[0] == "Кнопки."
        assert all(r["voice"] == "ru" for r in client.since(t) if r["event"] == "speech.queued")
    async with running_vest(tmp_path, NO_MODEL) as (app, client, startup):
        ready = [r for r in startup if r["event"] == "speech.queued" and r["source"] != "earcon"]
        assert app.vest.phrases.language == "ru" and ready[-1]["voice"] == "ru"


async def test_a_menu_left_alone_is_cancelled_by_another_button(tmp_path: Path) -> None:
    async with running_vest(tmp_path, NO_MODEL) as (_app, client, _startup):
        t = await client.hold("select")
        await client.expect(event("menu.open"), t)
        t = await client.tap("y")  # not a menu button: the menu closes, "what's ahead" runs
        closed = await client.expect(event("menu.closed"), t)
        assert closed["picked"] is None
        await finished(client, "ahead", t)


async def test_set_place_then_where_is_answers_with_place_and_time(tmp_path: Path) -> None:
    async with running_vest(tmp_path, NO_MODEL) as (app, client, _startup):
        t = await client.tap("right", source="gamepad")  # find: a menu; cancel it with B
        await client.expect(event("menu.open"), t)
        t = await client.tap("b")
        assert (await client.expect(event("menu.closed"), t))["picked"] is None

        t = await client.hold("right")  # where is: nothing remembered yet
        await finished(client, "where_is", t)
        assert await client.said(t, "memory") == ["Nothing remembered yet."]

        t = await client.hold("l")  # set place: kitchen is the first choice
        await client.expect(event("menu.open"), t)
        t = await client.tap("a")
        await finished(client, "set_place", t)
        assert await client.said(t, "memory") == ["Place: kitchen."]

        assert app.vest.memory is not None
        ten_minutes_ago = time.time() - 600
        await app.vest.memory.remember(["cup", "book"], "kitchen", seen_at=ten_minutes_ago)
        t = await client.hold("right")
        menu = await client.expect(event("menu.open"), t)
        assert sorted(menu["options"]) == ["book", "cup"]
        t = await client.tap("down")
        t = await client.tap("a")
        await finished(client, "where_is", t)
        [answer] = await client.said(t, "memory")
        assert answer == f"{menu['options'][1].capitalize()}, in the kitchen, 10 minutes ago."


async def test_forget_all_asks_first_and_b_keeps_everything(tmp_path: Path) -> None:
    async with running_vest(tmp_path, NO_MODEL) as (app, client, _startup):
        assert app.vest.memory is not None
        await app.vest.memory.remember(["cup"], "unknown")
        t = await client.hold("b")
        await client.expect(event("speech.queued", text="no", source="menu"), t)
        t = await client.tap("a")  # "no" is the first choice: nothing is lost by accident
        await finished(client, "forget_all", t)
        assert await app.vest.memory.things() == ["cup"]

        t = await client.hold("b")
        await client.expect(event("menu.open"), t)
        t = await client.tap("right")
        await client.expect(event("speech.queued", text="yes", source="menu"), t)
        t = await client.tap("a")
        await finished(client, "forget_all", t)
        assert await client.said(t, "memory") == ["Forgot 1 sighting."]
        assert await app.vest.memory.things() == []


async def test_remember_with_nothing_nameable_says_so(tmp_path: Path) -> None:
    photo = str(skimage_photo_dir() / "astronaut.png")  # a person only: people are not "things"
    config = {**NO_MODEL, "camera": {"photos": photo}}
    async with running_vest(tmp_path, config) as (_app, client, _startup):
        t = await client.hold("y")
        await finished(client, "remember", t)
        said = await client.said(t, "memory")
    assert said == ["Nothing I can name here to remember."]


def shifted_astronaut(folder: Path, name: str, left: int) -> None:
    """The astronaut photo pasted `left` pixels into a wide grey frame."""
    with Image.open(skimage_photo_dir() / "astronaut.png") as person:
        frame = Image.new("RGB", (1536, 512), (128, 128, 128))
        frame.paste(person.convert("RGB"), (left, 0))
        frame.save(folder / name)


async def test_find_a_person_guides_by_pulses_then_says_straight_ahead(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    shifted_astronaut(photos, "1-right.png", 1024)  # the wearer turns towards the person
    shifted_astronaut(photos, "2-ahead.png", 512)
    config = {**NO_MODEL, "camera": {"photos": str(photos), "width": 960, "height": 320}}
    async with running_vest(tmp_path, config) as (app, client, _startup):
        motor = app.haptics.device.pin
        t = await client.tap("right")
        await client.expect(event("speech.queued", source="menu", text="person"), t)
        t = await client.tap("a")
        await client.expect(event("speech.queued", source="find", text="Looking for person."), t)
        await client.expect(event("haptic", pattern="tick"), t)
        centred = await client.expect(event("haptic", pattern="centred"), t)
        ahead = await client.expect(event("speech.queued", source="find"), centred["mono"])
        t_stop = await client.tap("b")
        await client.expect(event("command.cancel"), t_stop)
        guided = client.since(t)
    assert ahead["text"].startswith("Person straight ahead")
    hours = [r["text"] for r in guided if r["event"] == "speech.queued" and "o'clock" in r["text"]]
    assert hours and hours[0].startswith("Person at 1 o'clock"), hours
    assert 1.0 in [s.state for s in motor.states]  # felt on the motor pin, not only journalled
    assert pulse_period(0.0) < pulse_period(0.2) < pulse_period(0.4)  # quicker near the middle


async def test_what_is_this_reads_what_is_held_up(tmp_path: Path) -> None:
    page = str(skimage_photo_dir() / "page.png")  # no hands in view: the middle of the frame
    config = {**NO_MODEL, "camera": {"photos": page, "width": 768, "height": 382}}
    async with running_vest(tmp_path, config) as (_app, client, _startup):
        t = await client.tap("left")
        await finished(client, "what_is_this", t)
        said = await client.said(t, "fast")
    assert len(said) == 1 and said[0].startswith("It says: ")
    assert len(said[0].split()) > 3


async def test_quieter_stops_at_the_floor(tmp_path: Path) -> None:
    async with running_vest(tmp_path, NO_MODEL) as (app, client, _startup):
        for _ in range(6):
            t = await client.tap("l2")
            await finished(client, "quieter", t)
        said = await client.said(0.0, "command")
    assert said[0] == "Volume 80."
    assert said[-1] == said[-2]  # at its floor it stays, and says where it is
    assert app.speaker.voice.volume == int(said[-1].split()[1].rstrip("."))


async def test_what_is_this_with_nothing_recognised_says_so_before_the_model(
    tmp_path: Path,
) -> None:
    cup = str(skimage_photo_dir() / "coffee.png")  # no text, and no object model here
    config = {"camera": {"photos": cup}, "vision": {"objects": False}}
    async with running_vest(tmp_path, config) as (_app, client, _startup):
        t = await client.tap("left")
        request = await client.expect(event("llm.request"), t)
        await finished(client, "what_is_this", t)
        queued = [r for r in client.since(t) if r["event"] == "speech.queued"]
    assert queued[0]["text"] == "Looking closer."
    assert queued[0]["mono"] <= request["mono"]  # heard while the model starts, not after it
