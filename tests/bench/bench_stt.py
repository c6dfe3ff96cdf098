"""`make bench-stt`: speech-to-text time and real-time factor, the vest's against the bare
library, and press -> first answer word, in one run.

- bare: CTranslate2's Whisper called directly on the same model files, threads and beam (the
  features computed beforehand, outside the clock): encode, detect the language, decode;
- vest: `SpeechRecognizer.transcribe` as a question takes it: 16-bit PCM in, the features, the
  same three steps on the service's own thread, the text out, awaited on the event loop.
Both on espeak-ng questions in English and Russian (16 kHz, as the microphone records). The
real-time factor is transcription time / question length (Whisper always encodes a 30-s window,
so short questions have the larger factor).

Then the whole simulated vest (real Whisper, the real small model, WAV speech in real time):
a question played in through ``listen``; press -> the push-to-talk hold is recognised, release
-> heard (``voice.heard``), and press -> the answer's first word is heard (the model's first
sentence starts playing). Numbers, not pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from tests.conftest import event
from tests.integration.vest import VestClient, running_vest
from tests.spoken import spoken_pcm, spoken_wav
from vestsight.journal import Journal
from vestsight.llm.model_files import cache_dir
from vestsight.settings import SttSettings
from vestsight.stt.mel import log_mel
from vestsight.stt.model_files import model_files
from vestsight.stt.service import SpeechRecognizer
from vestsight.stt.vocabulary import Vocabulary
from vestsight.stt.whisper import MAX_TOKENS, _model_folder, pcm_to_floats

QUESTIONS = [
    ("en-gb", "How many people are in front of me?"),
    ("en-gb", "What is the expiry date on this box?"),
    ("en-gb", "Which one is the five hundred milligram tablet?"),
    ("ru", "Что это за предмет?"),
    ("ru", "Сколько людей передо мной?"),
]
ROUNDS = 3


def bare_times(settings: SttSettings, clips: list[tuple[str, bytes]]) -> list[float]:
    """Seconds per clip for CTranslate2 alone (the best of ROUNDS each)."""
    import ctranslate2

    files = model_files(settings.model, settings.model_path, cache_dir())
    vocabulary = Vocabulary.load(files.vocabulary)
    with _model_folder(files) as folder:
        model = ctranslate2.models.Whisper(
            str(folder), device="cpu", compute_type="int8", intra_threads=settings.thread_count
        )
    times = []
    for voice, pcm in clips:
        features = ctranslate2.StorageView.from_array(log_mel(pcm_to_floats(pcm))[None])
        language = "ru" if voice == "ru" else "en"
        prompt = [
            vocabulary.special(name)
            for name in ("startoftranscript", language, "transcribe", "notimestamps")
        ]
        best = float("inf")
        for _ in range(ROUNDS):
            started = time.perf_counter()
            encoded = model.encode(features)
            model.detect_language(encoded)
            model.generate(
                encoded, [prompt], beam_size=settings.beam_size, max_length=MAX_TOKENS,
                return_no_speech_prob=True, suppress_blank=True,
            )  # fmt: skip
            best = min(best, time.perf_counter() - started)
        times.append(best)
    return times


async def vest_times(settings: SttSettings, clips: list[tuple[str, bytes]]) -> list[float]:
    stt = SpeechRecognizer(settings, cache_dir(), Journal())
    task = asyncio.create_task(stt.run())
    try:
        await asyncio.wait_for(stt.settled.wait(), 300)
        times = []
        for voice, pcm in clips:
            best = float("inf")
            for _ in range(ROUNDS):
                started = time.perf_counter()
                transcript = await stt.transcribe(pcm, "ru" if voice == "ru" else "en")
                best = min(best, time.perf_counter() - started)
            print(f"    heard: {transcript.language} {transcript.text!r}")
            times.append(best)
        return times
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def quiet(client: VestClient) -> None:
    """Until the previous answer has been heard out (polled: a bench, not a test)."""
    while True:
        status = (await client.request(cmd="status"))["status"]
        if not status["speaking"] and not status["command"]:
            return
        await asyncio.sleep(0.1)


async def press_to_answer(folder: Path, questions: int) -> None:
    config = {
        "gamepad": {"backend": "none"},
        "camera": {"width": 640, "height": 480},
        "llm": {"max_answer_tokens": 32},
    }
    wav = spoken_wav(folder / "q.wav", "How many people are in front of me?")
    async with running_vest(folder, config) as (app, client, _startup):
        await asyncio.wait_for(app.stt.settled.wait(), 300)
        rows = []
        for _ in range(questions):
            await quiet(client)
            before = time.monotonic()
            reply = await client.request(cmd="listen", wav=str(wav))
            assert reply["ok"], reply
            press = await client.expect(event("input", action="press"), before)
            talk = await client.expect(event("input.talk"), before)
            release = await client.expect(event("input", action="release"), before, 60)
            heard = await client.expect(event("voice.heard"), before, 120)
            ready = await client.expect(event("describe.sentence"), before, 300)
            first = await client.expect(
                lambda r: r["event"] == "speech.start" and r["source"] == "llm", before, 300
            )
            await client.expect(event("command.done", command="ask"), before, 300)
            rows.append(
                (
                    talk["mono"] - press["mono"],
                    heard["mono"] - release["mono"],
                    first["mono"] - press["mono"],
                    first["mono"] - release["mono"],
                    heard["seconds"],
                    ready["mono"] - release["mono"],
                )
            )
        hold, heard_s, first_word, after_release, whisper, sentence = (
            list(c) for c in zip(*rows, strict=True)
        )
        print(f"  press -> recording starts (the hold)   {statistics.median(hold):6.2f} s")
        print(f"  release -> question heard              {statistics.median(heard_s):6.2f} s "
              f"(Whisper itself {statistics.median(whisper):.2f} s)")  # fmt: skip
        print(f"  release -> first answer sentence ready {statistics.median(sentence):6.2f} s "
              '(then "You asked: ..." is said first)')  # fmt: skip
        print(f"  release -> first answer word heard     {statistics.median(after_release):6.2f} s")
        print(f"  press -> first answer word heard       {statistics.median(first_word):6.2f} s "
              f"(a {wav_seconds(wav):.1f}-s question, held for it)")  # fmt: skip


def wav_seconds(path: Path) -> float:
    return (path.stat().st_size - 44) / 32000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--beam", type=int, default=SttSettings().beam_size)
    parser.add_argument("--questions", type=int, default=3, help="asked on the whole vest")
    args = parser.parse_args()
    settings = SttSettings(threads=args.threads, beam_size=args.beam)
    clips = [(voice, spoken_pcm(text, voice)) for voice, text in QUESTIONS]
    lengths = [len(pcm) / 32000 for _voice, pcm in clips]
    print(f"speech-to-text: {settings.model}, int8, {settings.thread_count} threads, "
          f"beam {settings.beam_size}; best of {ROUNDS} per question")  # fmt: skip
    vest = asyncio.run(vest_times(settings, clips))
    bare = bare_times(settings, clips)
    print(f"  {'question':52} {'audio':>6} {'bare':>7} {'vest':>7} {'RTF bare':>9} {'RTF vest':>9}")
    for (voice, text), length, b, v in zip(QUESTIONS, lengths, bare, vest, strict=True):
        print(f"  {voice + ': ' + text:52} {length:5.2f}s {b:6.3f}s {v:6.3f}s {b / length:9.3f} "
              f"{v / length:9.3f}")  # fmt: skip
    ratio = np.median(np.array(vest) / np.array(bare))
    print(f"  median: bare {statistics.median(bare):.3f} s, vest {statistics.median(vest):.3f} s "
          f"(vest / bare = {ratio:.2f})")  # fmt: skip
    print("whole vest (real Whisper, the small model), press -> answer:")
    with tempfile.TemporaryDirectory(prefix="bench-stt-") as folder:
        asyncio.run(press_to_answer(Path(folder), args.questions))


if __name__ == "__main__":
    main()
