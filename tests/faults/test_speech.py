"""Speech that cannot be heard is felt (issue 16, item 2)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from tests.conftest import event
from tests.faults.harness import vest_process


def path_without_espeak(folder: Path) -> str:
    """A PATH with the programs the vest runs, except espeak-ng (as if it were uninstalled)."""
    folder.mkdir()
    for program in ("tesseract", "aplay"):
        if (found := shutil.which(program)) is not None:
            (folder / program).symlink_to(found)
    return str(folder)


async def test_speech_without_espeak_is_felt_on_every_press_and_in_status(tmp_path: Path) -> None:
    env = {"PATH": path_without_espeak(tmp_path / "bin")}
    async with vest_process(tmp_path, env=env) as vest:
        client = vest.client
        await client.expect(event("speech.broken", reason="synthesizer"))
        await client.expect(event("haptic", pattern="speech_broken"))
        ready = await client.expect(event("vest.ready"))
        assert "speech" in ready["missing"]
        status = await vest.status()
        assert status["speech"]["broken"] == "synthesizer"
        assert status["ready"]["speech"] is False
        for _press in range(3):  # each press is felt as "speech broken", not as an ack
            t = await client.tap("y")
            felt = await client.expect(event("haptic"), t)
            assert felt["pattern"] == "speech_broken"
            await client.expect(event("command.done", command="ahead"), t)
        await client.expect(event("speech.escalated"))
        sentences = {
            r["id"]
            for r in client.history
            if r["event"] == "speech.queued" and r["source"] != "earcon"
        }
        ends = [r for r in client.history if r["event"] == "speech.end" and r["id"] in sentences]
        assert ends and "done" not in {r["outcome"] for r in ends}
        assert "failed" in {r["outcome"] for r in ends}


async def test_a_voice_that_does_not_exist_falls_back_to_the_standard_voice(
    tmp_path: Path,
) -> None:
    async with vest_process(tmp_path, {"speech": {"voice": "xx-no-such-voice"}}) as vest:
        fallback = "The voice in the settings cannot be used; speaking with the standard voice."
        await vest.spoken(fallback)
        t = time.monotonic()
        heard = await vest.answered("y")
        assert heard["outcome"] == "done"
        assert (await vest.status())["speech"]["voice"] == "en-gb"
        assert not [r for r in vest.client.since(t) if r["event"] == "speech.broken"]


def played_lines(player: Path) -> int:
    return len(Path(f"{player}.log").read_text().splitlines())


async def test_a_failing_sound_card_moves_speech_to_the_fallback_device(tmp_path: Path) -> None:
    player = tmp_path / "player"
    # The default device is unplugged (fails at once); the fallback device plays.
    player.write_text(
        "#!/bin/sh\n"
        'case " $* " in *" -D fallback "*) cat > /dev/null; echo >> "$0.log"; exit 0;; esac\n'
        "echo 'aplay: main:831: audio open error: No such device' >&2; exit 1\n"
    )
    player.chmod(0o755)
    overrides = {
        "speech": {"output": "sound_card", "player": str(player), "fallback_device": "fallback"}
    }
    async with vest_process(tmp_path, overrides) as vest:
        await vest.spoken("The sound card failed; speaking through the other audio device.")
        await vest.answered("y")
        status = await vest.status()
        assert status["speech"]["broken"] is None
        assert status["speech"]["output"] == "sound card fallback"
    assert played_lines(player) > 0  # heard through the fallback device
