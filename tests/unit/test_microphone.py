"""The microphone: WAV files as the microphone hears them, the simulated and the ALSA backends
(arecord replaced by a script, as a real device would behave), loudness checks."""

from __future__ import annotations

import asyncio
import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import TIMEOUT
from tests.spoken import louder, silence, spoken_pcm, write_wav
from vestsight.errors import MicrophoneError, RecordingFormatError
from vestsight.microphone import Recording, SimulatedMicrophone, make_microphone
from vestsight.microphone.alsa import AlsaMicrophone
from vestsight.microphone.wav import RATE, decode_wav, read_wav
from vestsight.settings import MicrophoneSettings


def tone_pcm(seconds: float, rate: int = RATE, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return np.sin(2 * np.pi * 440 * t) * level


def wav_bytes(samples: np.ndarray, rate: int, width: int, channels: int = 1, tag: int = 1) -> bytes:
    frames = np.repeat(samples[:, None], channels, axis=1).reshape(-1)
    if width == 1:
        data = (frames * 127 + 128).astype(np.uint8).tobytes()
    elif width == 3:
        ints = (frames * (2**23 - 1)).astype("<i4")
        data = b"".join(int(v).to_bytes(4, "little", signed=True)[:3] for v in ints)
    else:
        data = (frames * (2 ** (8 * width - 1) - 1)).astype(f"<i{width}").tobytes()
    fmt = struct.pack(
        "<HHIIHH", tag, channels, rate, rate * channels * width, channels * width, width * 8
    )
    body = (
        b"WAVE"
        + b"fmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.mark.parametrize(
    ("rate", "width", "channels"),
    [(16000, 2, 1), (22050, 2, 1), (44100, 2, 2), (48000, 3, 2), (8000, 1, 1), (16000, 4, 1)],
)
def test_any_pcm_wav_is_heard_at_16_khz_mono(rate: int, width: int, channels: int) -> None:
    pcm = decode_wav(wav_bytes(tone_pcm(0.5, rate), rate, width, channels))
    samples = np.frombuffer(pcm, dtype="<i2") / 32768
    assert abs(len(samples) - RATE // 2) <= 2
    assert 0.25 < np.abs(samples).max() < 0.35  # the level is kept through mixing and resampling


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"not a wav at all", "not a WAV"),
        (wav_bytes(tone_pcm(0.1), RATE, 4, tag=3), "not PCM"),
        (wav_bytes(tone_pcm(0.0), RATE, 2), "no samples"),
        (wav_bytes(tone_pcm(0.1, 4000), 4000, 2), "4000 Hz"),
        (wav_bytes(tone_pcm(3.0), RATE, 2), "longer than 2 s"),
        (b"RIFF\x04\x00\x00\x00WAVE", "no samples"),
    ],
)
def test_audio_that_is_not_usable_is_refused_with_the_reason(data: bytes, why: str) -> None:
    with pytest.raises(RecordingFormatError, match=why):
        decode_wav(data, max_seconds=2.0)


def test_a_wav_file_that_is_missing_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordingFormatError, match="cannot read"):
        read_wav(tmp_path / "nothing.wav")


def test_loudness_tells_silence_speech_and_clipping_apart() -> None:
    speech = spoken_pcm("Is the door open?")
    assert Recording(silence(1.0), "released").silent
    assert not Recording(speech, "released").silent
    assert not Recording(speech, "released").clipped
    assert Recording(louder(speech, 40), "released").clipped
    assert Recording(b"", "released").silent


async def test_the_simulated_microphone_hears_what_is_played_until_the_release() -> None:
    microphone = make_microphone(MicrophoneSettings())
    assert isinstance(microphone, SimulatedMicrophone)
    sound = louder(silence(0.2), 1) + np.full(RATE // 5, 1000, "<i2").tobytes()
    microphone.play(sound)
    released = asyncio.Event()
    asyncio.get_running_loop().call_later(0.6, released.set)
    recording = await asyncio.wait_for(microphone.record(released, 10.0), TIMEOUT)
    assert recording.ended == "released"
    assert recording.pcm.startswith(sound)
    assert recording.pcm[len(sound) :] == bytes(len(recording.pcm) - len(sound))
    assert 0.4 <= recording.seconds <= 5.0
    again = await asyncio.wait_for(microphone.record(asyncio.Event(), 0.3), TIMEOUT)
    assert again.ended == "longest" and again.seconds == pytest.approx(0.3)
    assert again.silent  # what was played is heard once


async def test_the_simulated_microphone_unplugged_mid_question_is_an_error() -> None:
    microphone = SimulatedMicrophone()
    asyncio.get_running_loop().call_later(0.25, setattr, microphone, "unplugged", True)
    with pytest.raises(MicrophoneError, match="unplugged"):
        await asyncio.wait_for(microphone.record(asyncio.Event(), 10.0), TIMEOUT)


def recorder(folder: Path, body: str) -> str:
    """A stand-in for arecord: writes its arguments, then runs `body` (a shell line)."""
    script = folder / "arecord"
    script.write_text(f'#!/bin/sh\necho "$@" > {folder}/args\n{body}\n')
    script.chmod(0o755)
    return str(script)


async def test_alsa_records_16_khz_mono_from_arecord_until_the_release(tmp_path: Path) -> None:
    paced = "while true; do head -c 3200 /dev/zero; sleep 0.1; done"  # 16 kHz, as a device
    microphone = AlsaMicrophone("plughw:CARD=Mic", recorder(tmp_path, paced))
    released = asyncio.Event()
    asyncio.get_running_loop().call_later(0.3, released.set)
    recording = await asyncio.wait_for(microphone.record(released, 10.0), TIMEOUT)
    assert recording.ended == "released" and recording.pcm
    args = (tmp_path / "args").read_text().split()
    assert args == [
        "-q",
        "-D",
        "plughw:CARD=Mic",
        "-f",
        "S16_LE",
        "-r",
        "16000",
        "-c",
        "1",
        "-t",
        "raw",
    ]
    longest = await asyncio.wait_for(microphone.record(asyncio.Event(), 0.3), TIMEOUT)
    assert longest.ended == "longest" and len(longest.pcm) == 2 * RATE * 3 // 10  # 0.3 s


async def test_alsa_microphone_pulled_out_mid_question_is_an_error(tmp_path: Path) -> None:
    body = "head -c 3200 /dev/zero; echo 'audio open error: No such device' >&2; exit 1"
    microphone = AlsaMicrophone("default", recorder(tmp_path, body))
    with pytest.raises(MicrophoneError, match="No such device"):
        await asyncio.wait_for(microphone.record(asyncio.Event(), 10.0), TIMEOUT)


def test_alsa_check_names_what_is_missing(tmp_path: Path) -> None:
    pcm = tmp_path / "pcm"
    pcm.write_text("00-00: bcm2835 HDMI 1 : bcm2835 HDMI 1 : playback 1\n")
    with pytest.raises(MicrophoneError, match="no ALSA capture device"):
        AlsaMicrophone("default", recorder(tmp_path, "true"), pcm).check()
    with pytest.raises(MicrophoneError, match="not found"):
        AlsaMicrophone("default", str(tmp_path / "no-arecord"), pcm).check()
    pcm.write_text("01-00: USB Audio : USB Audio : capture 1\n")
    AlsaMicrophone("default", recorder(tmp_path, "true"), pcm).check()


def test_a_spoken_question_written_at_16_khz_reads_back_the_same(tmp_path: Path) -> None:
    pcm = spoken_pcm("What does it say?")
    path = write_wav(tmp_path / "q.wav", pcm)
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (RATE, 1, 2)
    assert read_wav(path) == pcm
