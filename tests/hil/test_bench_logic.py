"""The bench's own logic, for real: motor traces, audio analysis, the lock, the report, the pad.

These need no vest and run on every target (they are the parts of the real bench that can be
proven without its hardware).
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
import wave
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import TIMEOUT
from tests.hil.audio_check import analyse, analyse_wav
from tests.hil.bench_lock import BenchBusy, bench_lock
from tests.hil.haptic_trace import (
    identify,
    matches,
    pulses_from_edges,
    pulses_from_levels,
)
from tests.hil.pad_report import REPORT_ID, REPORT_MAP, input_report
from tests.hil.report import BenchReport, history
from vestsight.gpio.haptics import PATTERNS
from vestsight.inputs.hid import HidDecoder, parse_report_descriptor
from vestsight.inputs.pad_maps import PadTracker
from vestsight.inputs.pad_presets import GENERIC
from vestsight.names import GAMEPAD_BUTTONS


def levels_of(name: str, start: float = 10.0) -> tuple[list[tuple[float, float]], float]:
    """A pattern as the vest's mock PWM pin records it: (time, duty) per change."""
    at, levels = start, []
    for level, seconds in PATTERNS[name].steps:
        levels.append((at, level))
        at += seconds
    levels.append((at, 0.0))
    return levels, at


def pwm_edges(levels: list[tuple[float, float]], hz: float = 200.0) -> list[tuple[float, int]]:
    """The same pattern as a logic input on the motor driver line sees 200 Hz PWM."""
    edges: list[tuple[float, int]] = []
    for (at, level), (until, _next) in itertools.pairwise(levels):
        if level >= 1.0:
            edges.append((at, 1))
            continue
        period, t = 1 / hz, at
        while level > 0 and t < until - 1e-9:
            edges += [(t, 1), (min(t + level * period, until), 0)]
            t += period
        if level == 0:
            edges.append((at, 0))
    edges.append((levels[-1][0], 0))
    return edges


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_every_pattern_is_recognised_from_pin_levels_and_from_pwm_edges(name: str) -> None:
    levels, end = levels_of(name)
    from_pin = pulses_from_levels(levels, end)
    from_line = pulses_from_edges(pwm_edges(levels), end)
    assert len(from_pin) == len(from_line) == sum(1 for lv, _s in PATTERNS[name].steps if lv)
    for pin, line in zip(from_pin, from_line, strict=True):
        assert abs(pin.start - line.start) < 0.006 and abs(pin.seconds - line.seconds) < 0.006
        assert abs(pin.level - line.level) < 0.05
    assert matches(from_pin, name) and matches(from_line, name)
    assert name in identify(from_line)


def test_a_cut_or_stretched_trace_is_told_apart() -> None:
    levels, end = levels_of("error")
    pulses = pulses_from_levels(levels, end)
    assert not matches(pulses[:1], "error")  # one buzz of two
    assert not matches(pulses, "ack")  # far longer than an acknowledgement
    slow = [(10 + (t - 10) * 1.3, lv) for t, lv in levels]  # a loaded loop: 30 % late
    assert matches(pulses_from_levels(slow, 10 + (end - 10) * 1.3), "error")
    assert pulses_from_levels([(1.0, 0.0)], 2.0) == []


@pytest.fixture(scope="module")
def spoken_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real espeak-ng speech with a second of silence before it, as a capture would start."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    folder = tmp_path_factory.mktemp("audio")
    speech = folder / "speech.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en-gb", "-w", str(speech), "Vestsight ready."],
        check=True,
        timeout=TIMEOUT,
    )
    with wave.open(str(speech)) as audio:
        rate, pcm = audio.getframerate(), audio.readframes(audio.getnframes())
    padded = folder / "captured.wav"
    with wave.open(str(padded), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        noise = (np.random.default_rng(1).normal(0, 20, rate)).astype("<i2")  # a quiet line
        out.writeframes(noise.tobytes() + pcm + bytes(rate))
    return padded


def test_speech_onset_length_and_level_from_a_real_espeak_recording(spoken_wav: Path) -> None:
    summary = analyse_wav(spoken_wav)
    assert len(summary.sounds) == 1, summary.sounds
    sound = summary.sounds[0]
    assert summary.onset is not None and 0.95 <= summary.onset <= 1.2
    assert 0.5 < sound.seconds < 2.0  # "Vestsight ready." at espeak's normal rate
    assert -30 < sound.rms_dbfs < -3 and sound.peak_dbfs <= 0
    assert summary.seconds > sound.end


def test_silence_and_a_quiet_hum_are_not_sound() -> None:
    rate = 16000
    assert analyse(np.zeros(rate), rate).sounds == ()
    hum = 0.002 * np.sin(np.arange(rate) * 2 * np.pi * 50 / rate)  # -57 dBFS mains hum
    assert analyse(hum, rate).sounds == ()


def test_the_lock_admits_one_run_and_names_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "bench" / "vest.lock"
    holder_code = (
        "import sys; from pathlib import Path; from tests.hil.bench_lock import bench_lock\n"
        "with bench_lock(Path(sys.argv[1]), 'holding'):\n"
        "    print('held', flush=True); sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", holder_code, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(BenchBusy) as busy, bench_lock(path):
            pass
        assert busy.value.holder["pid"] == holder.pid
        assert busy.value.holder["purpose"] == "holding"
        assert f"pid {holder.pid}" in str(busy.value)
    finally:
        holder.communicate("", timeout=TIMEOUT)  # the holder exits: the kernel frees the lock
    with bench_lock(path, "second") as mine:
        assert mine["purpose"] == "second"
        with pytest.raises(BenchBusy), bench_lock(path):  # even from the same process
            pass


def test_the_report_keeps_json_a_summary_and_a_plot(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    for run, ack in (("20260101-090000-sim", 0.004), ("20260102-090000-sim", 0.006)):
        report = BenchReport("sim", runs / run)
        scenario = report.scenario("tests/hil/test_commands.py::test_x[a]")
        scenario.latency("press → haptic", ack)
        scenario.latency("press → haptic", ack * 2)
        scenario.latency("press → first audio", 0.3)
        scenario.latency("press → silence", None)
        scenario.spoken.append("Speech rate 200.")
        scenario.outcome = "passed"
        report.write()
    data = json.loads((runs / run / "report.json").read_text())
    assert data["summary"]["press → haptic"]["n"] == 2
    assert data["summary"]["press → haptic"]["max"] == 0.012
    assert data["scenarios"][0]["notes"] == ["press → silence: not observed"]
    summary = (runs / run / "summary.txt").read_text()
    assert "press → first audio" in summary and "[passed] test_commands.py::test_x[a]" in summary
    svg = ET.parse(runs / run / "latency.svg").getroot()
    assert svg.tag.endswith("svg") and len(svg.findall(".//{*}circle")) == 3
    lines = history(runs).splitlines()
    assert len(lines) == 3 and lines[1].startswith("20260101")
    assert lines[1].endswith("\t6.0ms") and lines[2].endswith("\t9.0ms")  # medians


def test_the_bench_pad_reads_as_every_vest_button_through_the_vest_parser() -> None:
    decoder = HidDecoder(parse_report_descriptor(REPORT_MAP))
    tracker = PadTracker(GENERIC.hid)
    assert tracker.update(decoder.decode(REPORT_ID, input_report([]))) == []
    for button in GAMEPAD_BUTTONS:
        pressed = tracker.update(decoder.decode(REPORT_ID, input_report([button])))
        released = tracker.update(decoder.decode(REPORT_ID, input_report([])))
        assert [(e.name, e.pressed) for e in pressed] == [(button, True)]
        assert [(e.name, e.pressed) for e in released] == [(button, False)]
    with pytest.raises(ValueError, match="home"):
        input_report(["home"])
