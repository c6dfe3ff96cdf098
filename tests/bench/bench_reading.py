"""`make bench-reading`: how much of a label's or page's text "read" gets right, and how fast.

Rendered labels, addresses and document pages (English and Russian, tests/bench/reading_labels.py)
photographed under each condition (flat, tilted 2-15 degrees, in perspective, blurred, noisy,
JPEG-compressed, unevenly lit, small text, and all of these at once). For each condition it prints
the character accuracy (1 - character error rate against the rendered text, in reading order) of
the vest's reading and, with --baseline, of the plain tesseract pass the vest used before (the
whole frame, page segmentation, nothing measured or turned).

Then the time: the seconds and the CPU seconds (this process's threads and tesseract's) per
frame, and "read" pressed on the whole simulated vest until its first spoken word (control socket
press to the journal's speech.start), with a label in front of the camera. Numbers, not
pass/fail; the goal is >= 95 % of characters at tilts up to 10 degrees with readable size.

--guidance sweeps letter size and blur instead: for each step, the accuracy, what the frame
measured (letter height, sharpness) and what the vest would do (read, or which hint), which is
how vision/text_guidance.py's thresholds were set.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from tests.bench.reading_labels import CONDITIONS, Condition, character_accuracy, make_sample
from vestsight.vision.ocr import TesseractOcr
from vestsight.vision.text_guidance import after_reading
from vestsight.vision.text_region import grey_of

LANGUAGES = ("en", "ru")
REPO = Path(__file__).resolve().parents[2]
GOAL = 0.95


@dataclass
class Tally:
    accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    passes: list[int] = field(default_factory=list)

    def row(self) -> str:
        if not self.accuracy:
            return "-"
        good = sum(a >= GOAL for a in self.accuracy) / len(self.accuracy)
        return (
            f"{100 * statistics.mean(self.accuracy):6.1f} %  min {100 * min(self.accuracy):5.1f}"
            f"  >=95%: {100 * good:4.0f} %  {statistics.mean(self.seconds):5.2f} s"
            f"  cpu {statistics.mean(self.cpu):5.2f} s"
        )


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def baseline_read(pixels: object) -> str:
    """What the vest did before: the whole frame in grey, one page-segmentation pass of
    tesseract with its defaults, words it is at least 50 % sure of."""
    png = io.BytesIO()
    Image.fromarray(grey_of(pixels)).save(png, format="PNG")  # type: ignore[arg-type]
    done = await asyncio.to_thread(
        subprocess.run,
        ["tesseract", "stdin", "stdout", "-l", "eng+rus", "--psm", "3", "tsv"],
        input=png.getvalue(), capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    rows = csv.DictReader(io.StringIO(done.stdout.decode()), delimiter="\t", quoting=csv.QUOTE_NONE)
    words = [
        row["text"].strip()
        for row in rows
        if row["level"] == "5" and (row["text"] or "").strip() and float(row["conf"]) >= 50
    ]
    return " ".join(words)


async def measure(
    conditions: list[Condition], samples: int, seed: int, baseline: bool, verbose: bool
) -> dict[str, dict[str, Tally]]:
    ocr = TesseractOcr("eng+rus")
    await asyncio.to_thread(ocr.check)
    tallies: dict[str, dict[str, Tally]] = {}
    for condition in conditions:
        rows = tallies.setdefault(condition.name, {"vest": Tally(), "before": Tally()})
        for number in range(samples):
            for language in LANGUAGES:
                sample = make_sample(seed + number, condition, language)
                started, cpu = time.monotonic(), cpu_seconds()
                result = await ocr.read(sample.pixels)
                rows["vest"].seconds.append(time.monotonic() - started)
                rows["vest"].cpu.append(cpu_seconds() - cpu)
                rows["vest"].passes.append(result.passes)
                accuracy = character_accuracy(result.text, sample.text)
                rows["vest"].accuracy.append(accuracy)
                if verbose and accuracy < GOAL:
                    print(f"   {accuracy:5.1%} {sample.kind} {language} tilt {sample.tilt:.1f}"
                          f"\n      truth: {' '.join(sample.text.split())}"
                          f"\n      read:  {' '.join(result.text.split())}")  # fmt: skip
                if baseline:
                    started, cpu = time.monotonic(), cpu_seconds()
                    text = await baseline_read(sample.pixels)
                    rows["before"].seconds.append(time.monotonic() - started)
                    rows["before"].cpu.append(cpu_seconds() - cpu)
                    rows["before"].accuracy.append(character_accuracy(text, sample.text))
        print(f"{condition.name:13s} vest   {rows['vest'].row()}", flush=True)
        if baseline:
            print(f"{'':13s} before {rows['before'].row()}", flush=True)
    return tallies


def goal_line(tallies: dict[str, dict[str, Tally]]) -> str:
    readable = [c.name for c in CONDITIONS if c.readable and c.name in tallies]
    values = [a for name in readable for a in tallies[name]["vest"].accuracy]
    if not values:
        return ""
    mean = statistics.mean(values)
    verdict = "meets" if mean >= GOAL else "misses"
    return (
        f"Readable conditions (tilt <= 10 degrees, readable size): {100 * mean:.1f} % of "
        f"characters right over {len(values)} frames: {verdict} the 95 % goal."
    )


async def guidance(samples: int) -> None:
    """Accuracy, measurements and the vest's decision as letters shrink and edges soften."""
    ocr = TesseractOcr("eng+rus")
    steps = [("letters", size, Condition(f"{size} px", text_px=(size, size)))
             for size in (6, 8, 10, 12, 16)]  # fmt: skip
    steps += [("blur", sigma, Condition(f"blur {sigma}", blur=sigma, text_px=(18, 26)))
              for sigma in (0.0, 1.5, 2.0, 2.5, 3.0, 4.0)]  # fmt: skip
    print("Font size in frame pixels, and blur sigma, on labels (en, ru):")
    for kind, value, condition in steps:
        accuracy, heights, sharpness, said = [], [], [], []
        for number in range(samples):
            for language in LANGUAGES:
                sample = make_sample(3000 + number, condition, language, "label")
                result = await ocr.read(sample.pixels)
                accuracy.append(character_accuracy(result.text, sample.text))
                layout = result.layout
                heights.append(layout.char_height if layout and layout.found else 0.0)
                sharpness.append(layout.sharpness if layout and layout.found else 0.0)
                advice = after_reading(result)
                said.append(advice.value or "read")
        decisions = ", ".join(f"{name} {said.count(name)}" for name in sorted(set(said)))
        print(f"{kind:7s} {value:4}: {100 * statistics.mean(accuracy):5.1f} % right; letters "
              f"{statistics.mean(heights):4.1f} px, sharpness {statistics.mean(sharpness):4.1f}; "
              f"{decisions}")  # fmt: skip


@dataclass
class FirstWord:
    seconds: list[float] = field(default_factory=list)
    """"read" pressed -> the first word's audio starting, on the simulated vest."""
    reading: list[float] = field(default_factory=list)
    """Seconds of it spent reading the frame (the journal's read.text)."""
    cpu: list[float] = field(default_factory=list)
    """CPU seconds of the same frame read (text and codes) and its first sentence synthesized,
    in a process of its own (`cpu_alone`)."""

    def report(self) -> str:
        seconds, cpu = statistics.median(self.seconds), statistics.median(self.cpu)
        reading = statistics.median(self.reading)
        return (
            f'"read" pressed -> first spoken word on the simulated vest: median {seconds:.2f} s '
            f"(worst {max(self.seconds):.2f} s), of which reading {reading:.2f} s. CPU to read "
            f"the label and synthesize its first sentence, alone: {cpu:.2f} s median, "
            f"{max(self.cpu):.2f} s worst ({len(self.seconds)} labels tilted 7-10 degrees).\n"
            f"Pi 5 estimate: that CPU x {PI_FACTOR} + {CAPTURE_S} s capture = "
            f"{cpu * PI_FACTOR + CAPTURE_S:.2f} s median, "
            f"{max(self.cpu) * PI_FACTOR + CAPTURE_S:.2f} s worst."
        )


PI_FACTOR = 2.5
"""How much slower a Pi 5 core runs this than a core here, taken pessimistically. sysbench's CPU
test (primes to 10 000, one thread), compiled here, runs about as fast as published for the Pi 5
(~2700 events/s); tesseract's LSTM is SIMD code, where AVX2 is twice as wide as the Pi's NEON, so
at most about 2x; 2.5 leaves room for a warm Pi and a busy model worker."""
CAPTURE_S = 0.1
"""A frame from picamera2 (the simulated camera reads a file instead)."""


ALONE = """
import asyncio, sys
import numpy as np
from PIL import Image
from tests.bench.bench_reading import cpu_seconds
from vestsight.speech.synth import EspeakSynthesizer, Voice
from vestsight.vision.barcodes import read_codes
from vestsight.vision.ocr import TesseractOcr

async def main():
    pixels = np.asarray(Image.open(sys.argv[1]).convert("RGB"))
    ocr = TesseractOcr("eng+rus")
    ocr.check()
    before = cpu_seconds()
    await ocr.read(pixels)
    read_codes(pixels)
    await EspeakSynthesizer().synthesize(sys.argv[2], Voice(sys.argv[3], 175, 100))
    print(cpu_seconds() - before)

asyncio.run(main())
"""
"""A process of its own that reads a frame like "read" does (text, codes, the first sentence's
synthesis) and prints the CPU seconds that took: nothing else runs in it meanwhile."""


async def cpu_alone(photo: Path, first: str, voice: str) -> float:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", ALONE, str(photo), first, voice,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=REPO,
    )  # fmt: skip
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"reading alone failed: {err.decode()[-2000:]}")
    return float(out.decode().split()[-1])


def new_read_speech(earlier: int) -> Callable[[dict[str, Any]], bool]:
    """A sentence of "read" starting that was queued after utterance `earlier`."""
    return lambda r: r["event"] == "speech.start" and r["source"] == "read" and r["id"] > earlier


async def first_word(presses: int) -> FirstWord:
    """Press "read" on the simulated vest with a label in view: time to the first word; and the
    CPU the same reading and first sentence take alone (the vest's other threads aside)."""
    from tests.conftest import event
    from tests.integration.vest import running_vest

    measured = FirstWord()
    with tempfile.TemporaryDirectory() as folder:
        for number in range(presses):
            language = LANGUAGES[number % 2]
            sample = make_sample(900 + number, CONDITIONS[3], language, "label")
            photo = Path(folder) / f"label-{number}.png"
            Image.fromarray(sample.pixels).save(photo)
            config = {
                "llm": {"enabled": False},
                "camera": {"photos": str(photo)},
                "speech": {"rate": 175},
            }
            home = Path(folder) / f"vest-{number}"
            home.mkdir()
            async with running_vest(home, config) as (_app, client, _startup):
                # A first press warms the vest up (tesseract's check, the page cache, the vision
                # service's first frames); the wearer presses long after start-up.
                warm = await client.tap("x")
                await client.expect(event("command.done", command="read"), warm)
                earlier = max(r.get("id", 0) for r in client.since(warm))
                before = await client.tap("x")
                press = await client.expect(event("input", button="x", action="press"), before)
                said = await client.expect(new_read_speech(earlier), before)
                read = await client.expect(event("read.text"), before)
                measured.seconds.append(said["mono"] - press["mono"])
                measured.reading.append(read["seconds"])
            measured.cpu.append(await cpu_alone(photo, said["text"], said["voice"]))
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=8, help="frames per condition and language")
    parser.add_argument("--seed", type=int, default=1000, help="first seed (tests use 0-99)")
    parser.add_argument("--baseline", action="store_true", help="also the reading of before")
    parser.add_argument("--only", default="", help="conditions, comma separated")
    parser.add_argument("--presses", type=int, default=6, help='"read" presses on the vest')
    parser.add_argument("--verbose", action="store_true", help="print what was misread")
    parser.add_argument("--json", type=Path, help="write the numbers here too")
    parser.add_argument("--guidance", action="store_true", help="sweep letter size and blur")
    args = parser.parse_args()
    if args.guidance:
        asyncio.run(guidance(args.samples))
        return
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    conditions = [c for c in CONDITIONS if not wanted or c.name in wanted]
    print(f"Character accuracy, {args.samples} frames per condition and language "
          f"({', '.join(LANGUAGES)}), 1280x960:")  # fmt: skip
    tallies = asyncio.run(measure(conditions, args.samples, args.seed, args.baseline, args.verbose))
    print(goal_line(tallies))
    first = asyncio.run(first_word(args.presses)) if args.presses else FirstWord()
    if first.seconds:
        print(first.report())
    if args.json:
        numbers = {
            name: {kind: vars(tally) for kind, tally in rows.items() if tally.accuracy}
            for name, rows in tallies.items()
        }
        args.json.write_text(
            json.dumps({"conditions": numbers, "first_word": vars(first)}, indent=1)
        )


if __name__ == "__main__":
    sys.exit(main())
