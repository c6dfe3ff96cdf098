"""Soak the real vest process: N presses over M minutes through its control socket.

After a warm-up (each button pressed a few times, so lazily loaded models are not counted as
drift), prints presses vs acknowledgements (the ``ack`` buzz, or the pattern felt instead of
it), the press -> buzz time (p50, p99, max, from just before the request, on the vest's own
monotonic clock) and the vest's drift: resident memory, open file descriptors, threads.
A benchmark, not a test: ``make soak PRESSES=1500 MINUTES=15``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import event
from tests.faults.harness import vest_process

BUTTONS = ("y", "l", "b", "start", "x")
"""What is ahead, repeat, stop, status, read: the commands a wearer presses all day."""
WARM_UP = 3
"""Rounds of every button before the baseline is taken (models and caches filled)."""


def process_numbers(pid: int) -> dict[str, float]:
    """Resident memory (MB), open file descriptors and threads of process `pid`."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    rss_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    return {
        "rss_mb": rss_kb / 1024,
        "fds": len(list(Path(f"/proc/{pid}/fd").iterdir())),
        "threads": len(list(Path(f"/proc/{pid}/task").iterdir())),
    }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def soak(presses: int, minutes: float, llm: bool) -> int:
    with tempfile.TemporaryDirectory(prefix="vestsight-soak-") as folder:
        overrides = {"llm": {"enabled": llm}}
        async with vest_process(Path(folder), overrides) as vest:
            pid = vest.process.pid
            for button in BUTTONS * WARM_UP:  # the detectors load on first use: not drift
                t = await vest.client.tap(button)
                await vest.client.expect(
                    lambda r: r["event"] in ("command.done", "command.failed", "speech.stopped"),
                    t,
                    within=60.0,
                )
            before = process_numbers(pid)
            spacing = minutes * 60 / presses
            acks: list[float] = []
            missed = 0
            start = time.monotonic()
            for number in range(presses):
                due = start + number * spacing
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                t = time.monotonic()
                reply = await vest.client.request(cmd="tap", button=BUTTONS[number % len(BUTTONS)])
                if not reply["ok"]:
                    missed += 1
                    continue
                try:
                    felt = await vest.client.expect(event("haptic"), t, within=5.0)
                except TimeoutError:
                    missed += 1
                    continue
                acks.append(felt["mono"] - t)
                if len(vest.client.history) > 20000:  # keep the client's own memory flat
                    del vest.client.history[:10000]
                if number and number % max(1, presses // 10) == 0:
                    rss = process_numbers(pid)["rss_mb"]  # a leak climbs; a cache levels off
                    print(
                        f"  {number} presses, {len(acks)} acknowledged, RSS {rss:.0f} MB",
                        file=sys.stderr,
                    )
            after = process_numbers(pid)
    ms = [a * 1000 for a in acks]
    print(f"presses {presses} over {minutes:g} min: acknowledged {len(acks)}, missed {missed}")
    if ms:
        print(
            f"press -> buzz: p50 {statistics.median(ms):.1f} ms, p99 {percentile(ms, 0.99):.1f} "
            f"ms, max {max(ms):.1f} ms"
        )
    for key, unit in (("rss_mb", "MB"), ("fds", ""), ("threads", "")):
        drift = after[key] - before[key]
        print(f"{key}: {before[key]:.1f} -> {after[key]:.1f} {unit} (drift {drift:+.1f})")
    return 0 if missed == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=300)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--llm", action="store_true", help="load the description engine too")
    args = parser.parse_args(argv)
    return asyncio.run(soak(args.presses, args.minutes, args.llm))


if __name__ == "__main__":
    sys.exit(main())
