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
import tomllib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.bench.memory_cgroup import MemoryCgroup, drop_from_page_cache
from vestsight.camera.photos import skimage_photo_dir
from vestsight.llm.model_files import cache_dir

GB = 1_000_000_000
MB = 1 << 20  # as the per-process numbers (/proc, in KiB)
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
        self.pid = 0
        """The vest's main process."""

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
    sections: dict[str, dict[str, Any]] = {
        "general": {"run_dir": str(folder / "run")},
        "input": {"terminal": False},
        "speech": {"output": "wav"},
        "camera": {"photos": str(skimage_photo_dir() / "astronaut.png")},
        "llm": llm,
    }
    for override in args.set:  # e.g. stt.enabled=false
        key, _, value = override.partition("=")
        section, _, name = key.partition(".")
        sections.setdefault(section, {})[name] = tomllib.loads(f"v = {value}")["v"]
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
    socket.unlink(missing_ok=True)  # an earlier run's, which nobody answers
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
            link.pid = process.pid
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
            if state["event"] == "llm.retrying":
                # Too little memory to load: the wearer must hear why, and the fast path work.
                said = await vest.wait(
                    lambda r: r["event"] == "speech.start" and "memory" in r.get("text", ""),
                    0,
                    args.timeout,
                )
                await fast_path(vest, run, args.timeout)
                run.outcome = (
                    f"the worker died loading, three times ({state.get('reason')}); "
                    f"said: {said['text']!r}; fast path still answers"
                )
                return run
            if state["state"] == "failed":
                run.outcome = f"model failed: {state.get('reason')}"
                return run
            await drive(vest, run, args.timeout)
            run.numbers |= await process_budget(vest.pid, args.idle_s)
            now = cgroup.numbers()  # while the vest still runs, after its questions
            run.numbers |= {
                "cgroup anon MB": now.anon_bytes / MB,
                "cgroup file MB": now.file_bytes / MB,
                "cgroup tmpfs MB": now.shmem_bytes / MB,
                "cgroup kernel MB": now.kernel_bytes / MB,
            }
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
    """The model loaded, failed, or its worker died loading three times (the vest says it needs
    more memory when it was killed for it, and keeps trying)."""
    if record["event"] == "llm.state":
        return bool(record["state"] in ("ready", "failed"))
    return bool(record["event"] == "llm.retrying")


async def describe(vest: VestLink, limit_s: float) -> dict[str, float]:
    """One description, start to end: its first token, image encode, prompt and answer speeds."""
    pressed = await vest.tap("a")
    request = await vest.wait(event("llm.request"), pressed, limit_s)
    done = await vest.wait(event("llm.done"), pressed, limit_s)
    await vest.wait(event("command.done", command="describe"), pressed, limit_s)
    prefill = request["prompt_tokens"] - request["cached"]
    generating = max(done["seconds"] - done["first_token"], 1e-6)
    return {
        "first token s": done["first_token"],
        "image s": done.get("image_seconds", 0.0),
        "prompt tok/s": prefill / max(done["first_token"] - done.get("image_seconds", 0.0), 1e-6),
        "generate tok/s": max(done["tokens"] - 1, 0) / generating,
    }


async def drive(vest: VestLink, run: Run, limit_s: float) -> None:
    # The first description after the start also reads back what the limit evicted while the
    # model was loaded (a one-off); the second, of the same scene, reuses the first's prompt from
    # the cache: its first token and answer speed are the vest's steady state.
    run.numbers |= await describe(vest, limit_s)
    again = await describe(vest, limit_s)
    run.numbers |= {
        "first token again s": again["first token s"],
        "generate again tok/s": again["generate tok/s"],
    }
    await fast_path(vest, run, limit_s)
    # The fast path while the model works: "what's ahead" pressed as a description's prompt
    # (or image) is being read, which cancels it; the worker is busy until the cancel lands.
    described = await vest.tap("a")
    await vest.wait(event("llm.request"), described, limit_s)
    pressed = await vest.tap("y")
    spoken = await vest.wait(
        lambda r: r["event"] == "speech.start" and r.get("source") != "earcon", pressed, limit_s
    )
    await vest.wait(event("command.done", command="ahead"), pressed, limit_s)
    run.numbers["ahead during describe first word s"] = spoken["mono"] - pressed


async def fast_path(vest: VestLink, run: Run, limit_s: float) -> None:
    """ "What's ahead" and "read", each pressed to its first spoken word."""
    for button, command, name in (("y", "ahead", "ahead"), ("x", "read", "read")):
        pressed = await vest.tap(button)
        spoken = await vest.wait(
            lambda r: r["event"] == "speech.start" and r.get("source") != "earcon", pressed, limit_s
        )
        await vest.wait(event("command.done", command=command), pressed, limit_s)
        run.numbers[f"{name} first word s"] = spoken["mono"] - pressed


async def process_budget(main_pid: int, idle_s: float) -> dict[str, float]:
    """Each process's resident, anonymous and file-backed MB, and its idle CPU (% of a core)
    over `idle_s` seconds with nothing asked (the main process and its LLM worker)."""
    processes = await asyncio.to_thread(vest_processes, main_pid)
    before = {name: cpu_seconds(pid) for name, pid in processes.items()}
    await asyncio.sleep(idle_s)  # a measurement window, not a wait for something
    numbers: dict[str, float] = {}
    for name, pid in processes.items():
        numbers[f"{name} idle CPU %"] = 100 * (cpu_seconds(pid) - before[name]) / idle_s
        status = await asyncio.to_thread(memory_of, pid)
        numbers |= {f"{name} {label} MB": mb for label, mb in status.items()}
    return numbers


def vest_processes(main_pid: int) -> dict[str, int]:
    processes = {"main": main_pid}
    for child in Path(f"/proc/{main_pid}/task/{main_pid}/children").read_text().split():
        if "vestsight.llm.worker" in Path(f"/proc/{child}/cmdline").read_text():
            processes["worker"] = int(child)
    return processes


def memory_of(pid: int) -> dict[str, float]:
    """Resident, anonymous and file-backed MB of process `pid`."""
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    status = dict(line.split(":", 1) for line in lines if ":" in line)
    fields = (("VmRSS", "RSS"), ("RssAnon", "anon"), ("RssFile", "file"))
    return {label: int(status[name].split()[0]) / 1024 for name, label in fields}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


SPEEDS = ("prompt tok/s", "generate tok/s", "generate again tok/s")
STEADY = ("generate tok/s", "generate again tok/s")  # what says a limit is enough
TIMES = (
    "load s", "first token s", "first token again s", "image s", "ahead first word s",
    "read first word s", "ahead during describe first word s",
)  # fmt: skip


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
        and all(r.numbers.get(s, 0) >= 0.9 * base.get(s, 0) for s in STEADY)
    ]  # fmt: skip
    print("Per process, after the questions, then idle (MB resident = anonymous + file; CPU %):")
    for run in runs:
        label = f"{run.limit_gb:g} GB" if run.limit_gb else "none"
        for name in ("main", "worker"):
            if f"{name} RSS MB" not in run.numbers:
                continue
            rss, anon, file, idle = (
                run.numbers[f"{name} {what}"]
                for what in ("RSS MB", "anon MB", "file MB", "idle CPU %")
            )
            print(
                f"  {label:8s} {name:6s} {rss:7.0f} = {anon:6.0f} + {file:6.0f}",
                f"  idle CPU {idle:5.2f} %",
            )
        if "cgroup anon MB" in run.numbers:
            print(
                f"  {label:8s} cgroup {run.numbers['cgroup anon MB']:6.0f} anonymous,",
                f"{run.numbers['cgroup file MB']:6.0f} page cache",
                f"({run.numbers['cgroup tmpfs MB']:.0f} of it tmpfs),",
                f"{run.numbers['cgroup kernel MB']:5.0f} kernel",
            )
    if fit:
        smallest = min(r.limit_gb for r in fit)
        print(f"Smallest limit with answers at >= 0.9x speed: {smallest:g} GB")


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
    parser.add_argument(
        "--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
        help="another vest setting, a TOML value (e.g. stt.enabled=false); repeatable",
    )  # fmt: skip
    parser.add_argument("--idle-s", type=float, default=10.0, help="idle CPU window")
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
          + f", batch {args.batch}, {args.threads or 'default'} threads"
          + "".join(f", {override}" for override in args.set))  # fmt: skip
    runs = []
    for limit in limits:
        run = asyncio.run(measure(limit, args, args.work))
        print(f"  {run.limit_gb or 'none'}: {run.outcome} {json.dumps(run.numbers)}", flush=True)
        runs.append(run)
    report(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
