"""A latency plot as a self-contained SVG: one row per measure, every sample a dot.

Written by hand (no plotting library): a log time axis from 0.1 ms to 100 s, the median as a bar,
the 90th percentile as a tick, the count and median written at the right.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

WIDTH = 900
ROW = 34
LEFT = 230
RIGHT = 120
TOP = 40
DECADES = (-4, 2)
"""The axis runs from 0.1 ms (a simulated press) to 100 s (a model loading)."""


def _x(seconds: float) -> float:
    low, high = DECADES
    position = (math.log10(max(seconds, 10.0**low)) - low) / (high - low)
    return LEFT + min(1.0, position) * (WIDTH - LEFT - RIGHT)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))
    return ordered[index]


def _label(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _element(tag: str, text: str | None = None, **attributes: object) -> str:
    attrs = " ".join(f'{k.rstrip("_").replace("_", "-")}="{v}"' for k, v in attributes.items())
    return f"<{tag} {attrs}/>" if text is None else f"<{tag} {attrs}>{escape(text)}</{tag}>"


def latency_svg(series: Mapping[str, Sequence[float]], title: str) -> str:
    rows = [(name, values) for name, values in series.items() if values]
    height = TOP + ROW * max(1, len(rows)) + 40
    bottom = TOP + ROW * max(1, len(rows))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        _element("rect", width=WIDTH, height=height, fill="white"),
        _element("text", title, x=10, y=20, font_size=14, font_weight="bold"),
    ]
    for decade in range(DECADES[0], DECADES[1] + 1):
        x = f"{_x(10.0**decade):.1f}"
        parts.append(_element("line", x1=x, y1=TOP - 8, x2=x, y2=bottom, stroke="#ddd"))
        label = f"{10.0**decade * 1000:g} ms" if decade < 0 else f"{10.0**decade:g} s"
        parts.append(_element("text", label, x=x, y=bottom + 16, text_anchor="middle"))
    for row, (name, values) in enumerate(rows):
        y = TOP + ROW * row + ROW / 2
        median, p90 = percentile(values, 0.5), percentile(values, 0.9)
        parts.append(_element("text", name, x=LEFT - 10, y=f"{y + 4:.1f}", text_anchor="end"))
        parts.append(_element("line", x1=LEFT, y1=y, x2=WIDTH - RIGHT, y2=y, stroke="#eee"))
        for value in values:
            cx = f"{_x(value):.1f}"
            parts.append(_element("circle", cx=cx, cy=y, r=3, fill="#1f77b4", fill_opacity=0.5))
        for value, half, colour, stroke in ((median, 10, "#d62728", 3), (p90, 6, "#ff7f0e", 2)):
            x = f"{_x(value):.1f}"
            parts.append(
                _element(
                    "line", x1=x, y1=y - half, x2=x, y2=y + half, stroke=colour, stroke_width=stroke
                )
            )
        summary = f"n={len(values)} {_label(median)}"
        parts.append(_element("text", summary, x=WIDTH - RIGHT + 8, y=f"{y + 4:.1f}"))
    legend = "red: median, orange: 90th percentile, dots: every sample (log scale)"
    parts.append(_element("text", legend, x=LEFT, y=height - 6, fill="#555"))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
