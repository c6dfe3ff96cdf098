"""Scenes in front of the camera: what the vest says about each is what the scene holds."""

from __future__ import annotations

import pytest

from tests.conftest import event
from tests.hil.observe import SANITY_S, note, observe
from tests.hil.report import ScenarioRecord
from tests.hil.scenes import BENCH_SCENES, SCENES
from tests.hil.target import VestTarget

pytestmark = [pytest.mark.hil, pytest.mark.model, pytest.mark.asyncio(loop_scope="package")]

COMMANDS = {"x": "read", "y": "ahead"}


@pytest.mark.parametrize("name", BENCH_SCENES)
async def test_a_scene_is_told_as_it_is(
    target: VestTarget, scenario: ScenarioRecord, name: str
) -> None:
    scene = SCENES[name]
    await target.quiet()
    await target.show_scene(scene.photo)
    client = target.client
    try:
        pressed = await target.tap(scene.command_button)
        command = COMMANDS[scene.command_button]
        await client.expect(event("command.done", command=command), pressed)
        first = await client.expect(event("speech.start"), pressed)
        await client.expect(event("speech.end", id=first["id"]), pressed)
        seen = await observe(target, pressed)
        note(scenario, seen)
    finally:
        await target.quiet()
        await target.show_scene(SCENES["astronaut"].photo)
    told = " ".join(seen.spoken).lower()
    assert ("person" in told) == (scene.people > 0), seen.spoken
    if scene.words:
        read = seen.first("read.text")
        assert read is not None
        found = [w for w in scene.words if w in read["text"].lower()]
        assert len(found) >= len(scene.words) // 2, (found, read["text"][:200])
    to_audio = seen.to_audio()
    assert to_audio is not None and to_audio < SANITY_S
