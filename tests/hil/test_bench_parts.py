"""The real bench's parts that can be proven here: the jig's logic on gpiozero's mock pins, the
settings and their skip reasons, the clock mapping, the speaker capture's analysis, and the link
to a vest through the real control bridge process (a local shell standing in for SSH)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from tests.conftest import REPO, TIMEOUT, event
from tests.hil.audio_capture import AudioCapture
from tests.hil.bench_settings import (
    DEFAULT_PINS,
    BenchNotConfigured,
    BenchPins,
    BenchSettings,
    from_environment,
)
from tests.hil.jig import BenchJig
from tests.hil.pi_target import PiTarget
from tests.hil.target import VestClock
from tests.integration.vest import running_vest

LOCAL_SSH = "sh -c 'exec sh -c \"$2\"' ssh-stand-in"
"""Runs the "remote" command here: argv is ssh's (host, command)."""


def test_the_jig_presses_buttons_and_records_the_motor_line() -> None:
    pins = BenchPins.load(DEFAULT_PINS)
    factory = MockFactory()
    jig = BenchJig(BenchPins(pins.press, pins.haptic, pins.power), pin_factory=factory)
    try:
        before = jig.set_button("main", True)
        assert factory.pin(pins.press["main"]).state == 1 and before <= time.monotonic()
        jig.set_button("main", False)
        assert factory.pin(pins.press["main"]).state == 0
        with pytest.raises(AssertionError, match="no line"):
            jig.set_button("volume", True)
        since = time.monotonic()
        motor = factory.pin(pins.haptic)
        motor.drive_high()
        motor.drive_low()
        pulses = jig.motor_pulses(since)
        assert len(pulses) == 1 and pulses[0].start >= since and pulses[0].level == 1.0
        assert jig.has_power_line and jig.set_power(False) <= time.monotonic()
    finally:
        jig.close()


def test_the_real_target_says_what_it_needs() -> None:
    with pytest.raises(BenchNotConfigured, match="VESTSIGHT_HIL_LINK"):
        from_environment({})
    with pytest.raises(BenchNotConfigured, match="VESTSIGHT_HIL_AUDIO"):
        from_environment({"VESTSIGHT_HIL_LINK": "ssh:vest"})
    ssh = from_environment({"VESTSIGHT_HIL_LINK": "ssh:vest", "VESTSIGHT_HIL_AUDIO": "hw:1,0"})
    assert ssh.host == "vest" and ssh.pins.power is None  # the power line is opt-in
    assert ssh.restart_command() == [
        "ssh", "-o", "BatchMode=yes", "-o", "ServerAliveInterval=5", "vest",
        "sudo -n systemctl restart --no-block vestsight.service",
    ]  # fmt: skip
    serial = from_environment(
        {
            "VESTSIGHT_HIL_LINK": "serial:/dev/ttyACM0",
            "VESTSIGHT_HIL_AUDIO": "hw:1,0",
            "VESTSIGHT_HIL_POWER_LINE": "1",
        }
    )
    assert serial.vest_command("true") is None and serial.restart_command() is None
    assert serial.pins.power == 26


def test_the_vest_clock_is_mapped_by_the_fastest_record() -> None:
    clock = VestClock(same_clock=False)
    now = time.monotonic()
    late = clock.to_bench({"event": "a", "mono": now - 1000.5})  # 0.5 s in flight
    fast = clock.to_bench({"event": "b", "mono": now - 1000.0})
    assert clock.offset is not None and 999.99 < clock.offset < 1000.1
    assert abs(fast["mono"] - now) < 0.1 and fast["vest_mono"] == now - 1000.0
    assert late["mono"] > now - 1  # mapped with the offset known when it came
    same = VestClock(same_clock=True)
    assert same.to_bench({"event": "c", "mono": 5.0}) == {"event": "c", "mono": 5.0}


@pytest.fixture
def speech(tmp_path: Path) -> Path:
    path = tmp_path / "speech.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en-gb", "-w", str(path), "Controller connected."],
        check=True,
        timeout=TIMEOUT,
    )
    return path


async def test_the_speaker_capture_finds_speech_on_the_bench_clock(
    tmp_path: Path, speech: Path
) -> None:
    with wave.open(str(speech)) as audio:
        rate, pcm = audio.getframerate(), audio.readframes(audio.getnframes())
    capture = AudioCapture("hw:9,9", tmp_path / "speaker.raw", rate)
    (tmp_path / "speaker.raw").write_bytes(bytes(rate * 2) + pcm + bytes(rate))  # as recorded
    sounds = await capture.sounds(0.0, time.monotonic())
    assert capture.start is not None and len(sounds) == 1
    assert abs(sounds[0].start - (capture.start + 1.0)) < 0.15  # a second of silence first
    assert 0.5 < sounds[0].end - sounds[0].start < 2.0 and sounds[0].rms_dbfs > -40
    assert await capture.sounds(capture.start, capture.start + 0.9) == []


async def test_the_real_target_reaches_a_vest_through_ssh_and_the_bridge(tmp_path: Path) -> None:
    config = {"llm": {"enabled": False}, "gamepad": {"backend": "none"}}
    async with running_vest(tmp_path, config) as (app, _client, _startup):
        settings = BenchSettings(
            link="ssh:vest",
            audio_device="hw:9,9",
            pins=BenchPins({}, 13),
            ssh=LOCAL_SSH,
            bridge=f"{sys.executable} -m vestsight.control_bridge "
            f"--socket {app.control_socket.path} --wait 5",
        )
        jig = BenchJig(settings.pins, pin_factory=MockFactory())
        target = PiTarget(settings, jig, AudioCapture("hw:9,9", tmp_path / "speaker.raw"))
        try:
            await target.connect()
            client = target.client
            offset = client.clock.offset  # from the vest's "clock", before any record came
            assert offset is not None and abs(offset) < 0.05  # one machine: one clock
            assert (await client.status())["llm"] == "off"
            pressed = await target.tap("start")  # no emulated pad: through the control socket
            press = await client.expect(event("input", button="start", action="press"), pressed)
            await client.expect(event("command.done", command="status"), pressed)
            pressed = await client.tap("main", source="gpio")  # through gpiozero on the vest
            main = await client.expect(event("input", button="main", action="press"), pressed)
            ack = await client.expect(event("haptic", pattern="ack"), pressed)
        finally:
            await target.close()
            jig.close()
    assert press["origin"] == "socket" and main["origin"] == "gpiozero"
    assert "vest_mono" in main and abs(main["mono"] - main["vest_mono"]) < 0.5  # one machine
    assert 0 <= ack["mono"] - main["mono"] < 1.0


def test_the_real_target_is_skipped_with_its_reason_unless_configured() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VESTSIGHT_HIL_")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/hil/test_power_on.py", "--hil-target=pi",
         "-p", "no:cacheprovider", "-rs", "-q"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:]
    assert "1 skipped" in result.stdout
    assert "real target not configured: set VESTSIGHT_HIL_LINK" in result.stdout
