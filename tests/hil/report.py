"""The bench report: every scenario's spoken text, felt patterns and latencies, kept per run.

A run folder holds ``report.json`` (everything), ``summary.txt`` (for people) and
``latency.svg``. Bench runs go to ``~/.local/share/vestsight-bench/runs/<time>-<target>/`` so
they can be compared over time: ``python -m tests.hil.report history`` lists the medians of
every run kept.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import REPO
from tests.hil.svg_plot import latency_svg, percentile

REPORT_NAME = "report.json"


def bench_home() -> Path:
    data = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return data / "vestsight-bench"


@dataclass
class ScenarioRecord:
    """What one scenario saw; the outcome is filled in by pytest's report hook."""

    name: str
    target: str
    outcome: str = "running"
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)
    spoken: list[str] = field(default_factory=list)
    felt: list[str] = field(default_factory=list)
    pulses: list[dict[str, float]] = field(default_factory=list)
    audio: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def latency(self, measure: str, seconds: float | None) -> None:
        """Record a latency (None: not observed, noted rather than dropped silently)."""
        if seconds is None:
            self.notes.append(f"{measure}: not observed")
            return
        self.latencies.setdefault(measure, []).append(round(seconds, 4))


@dataclass
class BenchReport:
    target: str
    folder: Path
    started: float = field(default_factory=time.time)
    scenarios: dict[str, ScenarioRecord] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)

    def scenario(self, nodeid: str) -> ScenarioRecord:
        name = nodeid.split("tests/hil/", 1)[-1]
        return self.scenarios.setdefault(nodeid, ScenarioRecord(name, self.target))

    def latencies(self) -> dict[str, list[float]]:
        merged: dict[str, list[float]] = {}
        for record in self.scenarios.values():
            for measure, values in record.latencies.items():
                merged.setdefault(measure, []).extend(values)
        return dict(sorted(merged.items()))

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(self.started)),
            "seconds": round(time.time() - self.started, 1),
            "git": _git_revision(),
            "host": platform.node(),
            "context": self.context,
            "summary": {m: stats(v) for m, v in self.latencies().items()},
            "scenarios": [vars(r) for r in self.scenarios.values()],
        }

    def write(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = self.as_json()
        (self.folder / REPORT_NAME).write_text(json.dumps(data, indent=2) + "\n", "utf-8")
        (self.folder / "summary.txt").write_text(summary_text(data), "utf-8")
        title = f"Vestsight bench, target {self.target}, {data['started']}"
        (self.folder / "latency.svg").write_text(latency_svg(self.latencies(), title), "utf-8")
        return self.folder


def stats(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "min": min(values),
        "median": round(statistics.median(values), 4),
        "p90": percentile(values, 0.9),
        "max": max(values),
    }


def summary_text(data: dict[str, Any]) -> str:
    lines = [
        f"Vestsight bench run: target {data['target']}, {data['started']}, "
        f"{data['seconds']} s, git {data['git']}",
        "",
        f"{'measure':<34}{'n':>4}{'min':>10}{'median':>10}{'p90':>10}{'max':>10}",
    ]
    for measure, s in data["summary"].items():
        lines.append(
            f"{measure:<34}{s['n']:>4}"
            + "".join(f"{_ms(s[k]):>10}" for k in ("min", "median", "p90", "max"))
        )
    lines.append("")
    for scenario in data["scenarios"]:
        lines.append(f"[{scenario['outcome']}] {scenario['name']} ({scenario['seconds']:.1f} s)")
        if scenario["spoken"]:
            lines.append("  heard: " + " | ".join(scenario["spoken"][:8]))
        if scenario["felt"]:
            lines.append("  felt:  " + ", ".join(scenario["felt"][:12]))
        lines += [f"  note:  {note}" for note in scenario["notes"]]
    return "\n".join(lines) + "\n"


def _ms(seconds: float) -> str:
    if seconds < 0.01:
        return f"{seconds * 1000:.1f}ms"
    return f"{seconds * 1000:.0f}ms" if seconds < 10 else f"{seconds:.1f}s"


def _git_revision() -> str:
    try:
        result = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return result.stdout.strip() or "unknown"


def history(runs: Path) -> str:
    """Medians of every kept run, oldest first, one column per measure."""
    reports = sorted(runs.glob(f"*/{REPORT_NAME}"))
    if not reports:
        return f"no bench runs in {runs}\n"
    loaded = [json.loads(p.read_text("utf-8")) for p in reports]
    measures = sorted({m for data in loaded for m in data["summary"]})
    lines = ["run\t" + "\t".join(measures)]
    for path, data in zip(reports, loaded, strict=True):
        medians = [
            _ms(data["summary"][m]["median"]) if m in data["summary"] else "-" for m in measures
        ]
        lines.append(f"{path.parent.name}\t" + "\t".join(medians))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.hil.report")
    parser.add_argument("action", choices=("history",))
    parser.add_argument("--runs", type=Path, default=bench_home() / "runs")
    args = parser.parse_args(argv)
    sys.stdout.write(history(args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
