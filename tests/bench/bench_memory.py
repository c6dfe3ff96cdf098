"""`make bench-memory`: the whole simulated vest inside a memory limit, from a cold page cache.

For each limit (first none, then e.g. 3.0, 2.5, 2.2, 2.0 GB) the vest (`python -m vestsight`,
main process and LLM worker) is started inside a memory cgroup (`memory_cgroup`) after its model
files are dropped from the page cache, with the configured model (default: the random-weight
Gemma 3n E2B pair, text Q4_0 + MobileNet-V5 projector; ``--text-only`` leaves the projector out).
Through the control socket it then runs "describe" (the model, with the image when it sees),
"what's ahead" and "read", and reports per limit: model load time, describe's first token and
image time, prompt and generated tokens/s, press -> first word for ahead and read, the cgroup's
peak usage, major page faults and OOM kills, and each speed's ratio to the unlimited run of the
same invocation. The smallest limit whose speeds all stay >= 0.9x is the vest's memory need.

Runs sequentially (a limit at a time), so a change in the machine's load between runs shows as
noise: on a shared machine, repeat it. Needs root for the cgroup (or see memory_cgroup).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.bench.memory_cgroup import MemoryCgroup, drop_from_page_cache
from vestsight.camera.photos import skimage_photo_dir
from vestsight.llm.model_files import cache_dir

GB = 1_000_000_000
Record = dict[str, Any]


@dataclass
class Run:
    limit_gb: float
    outcome: str = "ok"
    numbers: dict[str, float] = field(default_factory=dict)


class VestLink:
    """The vest's control socket: presses in, journal records out."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer
        self.records: list[Record] = []

    async def send(self, **fields: Any) -> None:
        self._writer.write(json.dumps(fields).encode() + b"\n")
        await self._writer.drain()

    async def wait(self, match: Callable[[Record], bool], since: float, limit_s: float) -> Record:
        deadline = time.monotonic() + limit_s
        seen = 0
        while True:
            for record in self.records[seen:]:
                if record.get("mono", 0) >= since and match(record):
                    return record
            seen = len(self.records)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the vest did not answer in time")
            line = await asyncio.wait_for(self._reader.readline(), left)
            if not line:
                raise ConnectionError("the vest closed its socket")
            message = json.loads(line)
            if "event" in message:
                self.records.append(message)

    async def tap(self, button: str) -> float:
        before = time.monotonic()
        await self.send(cmd="tap", button=button)
        return before


def event(name: str, **fields: Any) -> Callable[[Record], bool]:
    return lambda r: r["event"] == name and all(r.get(k) == v for k, v in fields.items())


def write_config(folder: Path, args: argparse.Namespace) -> Path:
    llm = {
        "model_path": args.model, "projector_path": args.projector, "threads": args.threads,
        "load_timeout_s": 1800, "first_token_timeout_s": 1800, "token_timeout_s": 600,
        "max_answer_tokens": args.tokens, "batch_tokens": args.batch,
    }  # fmt: skip
    sections = {
        "general": {"run_dir": str(folder / "run")},
        "input": {"terminal": False},
        "speech": {"output": "wav"},
        "camera": {"photos": str(skimage_photo_dir() / "astronaut.png")},
        "llm": llm,
    }
    lines = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    path = folder / "vestsight.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@contextlib.asynccontextmanager
async def running_vest(folder: Path, config: Path, cgroup: MemoryCgroup) -> AsyncIterator[VestLink]:
    socket = folder / "run" / "control.sock"
    with (folder / "vest.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "vestsight", "--config", str(config), "--log-level", "WARNING",
            stdout=asyncio.subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
        # Moved in at once: the LLM worker it starts seconds later is born in the cgroup.
        cgroup.add(process.pid)
        try:
            for _ in range(600):
                if socket.exists():
                    break
                await asyncio.sleep(0.1)
            link = VestLink(*await asyncio.open_unix_connection(str(socket)))
            await link.send(cmd="subscribe")
            yield link
        finally:
            if process.returncode is None:
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 60)
            except TimeoutError:
                process.kill()
                await process.wait()


async def measure(limit_gb: float, args: argparse.Namespace, work: Path) -> Run:
    run = Run(limit_gb)
    folder = work / (f"limit-{limit_gb:g}" if limit_gb else "unlimited")
    folder.mkdir(parents=True, exist_ok=True)
    for path in (args.model, args.projector):
        if path:
            drop_from_page_cache(Path(path))
    cgroup = MemoryCgroup(f"vestsight-bench-{os.getpid()}-{folder.name}", int(limit_gb * GB))
    try:
        async with running_vest(folder, write_config(folder, args), cgroup) as vest:
            started = time.monotonic()
            state = await vest.wait(settled, 0, args.timeout)
            run.numbers["load s"] = state["mono"] - started
            if state["event"] == "service.failed":
                run.outcome = f"worker died loading: {state.get('error')}"
                return run
            if state["state"] == "failed":
                run.outcome = f"model failed: {state.get('reason')}"
                return run
            await drive(vest, run, args.timeout)
    except (TimeoutError, ConnectionError) as err:
        run.outcome = f"no answer ({err})"
    finally:
        numbers = cgroup.numbers()
        run.numbers |= {
            "peak GB": numbers.peak_bytes / GB,
            "major faults": numbers.major_faults,
            "OOM kills": numbers.oom_kills,
        }
        cgroup.remove()
    return run


def settled(record: Record) -> bool:
    """The model loaded, failed, or its worker died while loading (killed for memory)."""
    if record["event"] == "llm.state":
        return bool(record["state"] in ("ready", "failed"))
    return bool(record["event"] == "service.failed" and record.get("service") == "llm")


async def drive(vest: VestLink, run: Run, limit_s: float) -> None:
    pressed = await vest.tap("a")
    request = await vest.wait(event("llm.request"), pressed, limit_s)
    done = await vest.wait(event("llm.done"), pressed, limit_s)
    await vest.wait(event("command.done", command="describe"), pressed, limit_s)
    prefill = request["prompt_tokens"] - request["cached"]
    generating = max(done["seconds"] - done["first_token"], 1e-6)
    run.numbers |= {
        "first token s": done["first_token"],
        "image s": done.get("image_seconds", 0.0),
        "prompt tok/s": prefill / max(done["first_token"] - done.get("image_seconds", 0.0), 1e-6),
        "generate tok/s": max(done["tokens"] - 1, 0) / generating,
    }
    for button, command, name in (("y", "ahead", "ahead"), ("x", "read", "read")):
        pressed = await vest.tap(button)
        spoken = await vest.wait(
            lambda r: r["event"] == "speech.start" and r.get("source") != "earcon", pressed, limit_s
        )
        await vest.wait(event("command.done", command=command), pressed, limit_s)
        run.numbers[f"{name} first word s"] = spoken["mono"] - pressed


SPEEDS = ("prompt tok/s", "generate tok/s")
TIMES = ("load s", "first token s", "image s", "ahead first word s", "read first word s")


def report(runs: list[Run]) -> None:
    base = runs[0].numbers
    columns = [*TIMES, *SPEEDS, "peak GB", "major faults", "OOM kills"]
    print("limit    " + "  ".join(f"{c:>18s}" for c in columns) + "  outcome")
    for run in runs:
        cells = []
        for column in columns:
            value = run.numbers.get(column)
            if value is None:
                cells.append(f"{'-':>18s}")
                continue
            ratio = ""
            if run is not runs[0] and column in SPEEDS and base.get(column):
                ratio = f" ({value / base[column]:.2f}x)"
            elif run is not runs[0] and column in TIMES and value:
                ratio = f" ({base.get(column, 0) / value:.2f}x)"
            cells.append(f"{value:10.2f}{ratio:>8s}")
        label = f"{run.limit_gb:g} GB" if run.limit_gb else "none"
        print(f"{label:8s} " + "  ".join(cells) + f"  {run.outcome}")
    print("(x: speed against the unlimited run; for times, unlimited time / this time)")
    fit = [
        r for r in runs[1:] if r.outcome == "ok"
        and all(r.numbers.get(s, 0) >= 0.9 * base.get(s, 0) for s in SPEEDS)
        and base.get("first token s", 0) >= 0.9 * r.numbers.get("first token s", 1e9)
    ]  # fmt: skip
    if fit:
        print(f"Smallest limit at >= 0.9x speed: {min(r.limit_gb for r in fit):g} GB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--limits", default="3.0,2.5,2.2,2.0", help="GB, comma-separated")
    parser.add_argument("--model", default="", help="text GGUF; default: the random E2B pair")
    parser.add_argument("--projector", default="", help="its mmproj GGUF")
    parser.add_argument("--text-only", action="store_true", help="no projector")
    parser.add_argument("--threads", type=int, default=0, help="llm.threads (0: cores - 1)")
    parser.add_argument("--tokens", type=int, default=48, help="answer tokens")
    parser.add_argument("--batch", type=int, default=512, help="llm.batch_tokens")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--work", type=Path, default=Path("run/bench-memory"))
    args = parser.parse_args(argv)
    if not args.model:
        from tests.bench.random_gemma3n_pair import build_vision_pair

        model, projector = build_vision_pair(cache_dir(), "e2b")
        args.model, args.projector = str(model), str(projector)
    if args.text_only:
        args.projector = ""
    limits = [0.0, *(float(x) for x in args.limits.split(","))]
    print(f"Vest with {Path(args.model).name}"
          + (f" + {Path(args.projector).name}" if args.projector else " (text only)")
          + f", batch {args.batch}, {args.threads or 'default'} threads")  # fmt: skip
    runs = []
    for limit in limits:
        run = asyncio.run(measure(limit, args, args.work))
        print(f"  {run.limit_gb or 'none'}: {run.outcome} {json.dumps(run.numbers)}", flush=True)
        runs.append(run)
    report(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
