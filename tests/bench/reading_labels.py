"""Rendered labels and documents, photographed badly on purpose, with the text they carry.

Everything is generated from a seed: the text (reading_texts.py: a medicine or food label, an
address, a page of a document), the font (the DejaVu family: Debian's fonts-dejavu-core and
fonts-dejavu-extra), then the camera: the card is placed on a table-like background in a
1280x960 frame, tilted, bent in perspective, blurred, noised, JPEG-compressed or lit unevenly.
The bench (bench_reading.py) and the tests use the same generator with different seeds; the
score is the share of the text's characters read right, in reading order.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from tests.bench.reading_texts import address_lines, document_lines, label_lines

Pixels = npt.NDArray[np.uint8]

FRAME = (1280, 960)
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_NAMES = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf",
    "DejaVuSansCondensed.ttf", "DejaVuSerifCondensed.ttf",
)  # fmt: skip
"""Debian's fonts-dejavu-core (the first four) and fonts-dejavu-extra: sans, bold, serif,
typewriter and condensed faces, each with Latin and Cyrillic."""


def fonts() -> list[Path]:
    """The DejaVu fonts installed (all six with fonts-dejavu-core and fonts-dejavu-extra)."""
    found = [FONT_DIR / name for name in FONT_NAMES if (FONT_DIR / name).is_file()]
    if not found:
        raise RuntimeError("no DejaVu fonts: apt install fonts-dejavu-core fonts-dejavu-extra")
    return found


# --- rendering ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    name: str
    tilt: tuple[float, float] = (0.0, 0.0)
    """Rotation in degrees, drawn from this range, either way."""
    perspective: float = 0.0
    """Each corner moved by up to this share of the card's size."""
    blur: float = 0.0
    """Gaussian blur sigma in frame pixels (out of focus, or moving)."""
    noise: float = 0.0
    """Sensor noise sigma in grey levels."""
    jpeg: int = 0
    """JPEG quality (0: none)."""
    light: bool = False
    """A light gradient and a soft shadow across the frame."""
    text_px: tuple[int, int] = (20, 30)
    """Font size range in frame pixels (a capital letter is about 0.73 of it)."""
    readable: bool = True
    """Counts toward the goal (readable size, tilt within 10 degrees)."""


CONDITIONS: tuple[Condition, ...] = (
    Condition("flat"),
    Condition("tilt 2-4", tilt=(2, 4)),
    Condition("tilt 4-7", tilt=(4, 7)),
    Condition("tilt 7-10", tilt=(7, 10)),
    Condition("tilt 10-15", tilt=(10, 15), readable=False),
    Condition("perspective", tilt=(0, 4), perspective=0.06),
    Condition("blur", blur=1.6),
    Condition("noise", noise=14),
    Condition("jpeg", jpeg=25),
    Condition("uneven light", light=True),
    Condition("small text", text_px=(13, 16)),
    Condition(
        "phone photo", tilt=(0, 10), perspective=0.03, blur=1.0, noise=8, jpeg=50, light=True
    ),
)


@dataclass(frozen=True)
class Sample:
    pixels: Pixels
    lines: tuple[str, ...]
    language: str
    kind: str
    condition: str
    tilt: float
    card: tuple[tuple[float, float], ...]
    """The card's four corners in the frame (x, y), clockwise from top left."""

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def render_card(
    lines: list[str], font_path: Path, size: int, *, centred: bool, title_scale: float = 1.0
) -> Pixels:
    """Dark text on a light card (RGB), with a margin of about one line."""
    title = ImageFont.truetype(str(font_path), round(size * title_scale))
    body = ImageFont.truetype(str(font_path), size)
    line_fonts = [title, *[body] * (len(lines) - 1)]
    gap = round(size * 0.45)
    widths = [round(f.getlength(line)) for f, line in zip(line_fonts, lines, strict=True)]
    heights = [f.getbbox("ÁgЙy")[3] for f in line_fonts]
    margin = size
    width = max(widths) + 2 * margin
    height = sum(heights) + gap * (len(lines) - 1) + 2 * margin
    paper = tuple(int(v) for v in np.random.default_rng(len(lines) + size).integers(225, 255, 3))
    card = Image.new("RGB", (width, height), paper)  # type: ignore[arg-type]
    draw = ImageDraw.Draw(card)
    ink = (20, 20, 30)
    y = margin
    for font, line, line_width, line_height in zip(line_fonts, lines, widths, heights, strict=True):
        x = (width - line_width) // 2 if centred else margin
        draw.text((x, y), line, font=font, fill=ink)
        y += line_height + gap
    return np.asarray(card, dtype=np.uint8)


def background(rng: random.Random) -> Pixels:
    """A table-like surface: a mid-tone colour with smooth blotches and fine grain."""
    width, height = FRAME
    base = np.array([rng.randint(40, 170) for _ in range(3)], dtype=np.float32)
    seed = np.random.default_rng(rng.randint(0, 2**31))
    blotches = cv2.resize(seed.normal(0, 18, (6, 8)).astype(np.float32), FRAME,
                          interpolation=cv2.INTER_CUBIC)  # fmt: skip
    grain = seed.normal(0, 4, (height, width)).astype(np.float32)
    image = base[None, None, :] + (blotches + grain)[:, :, None]
    return np.clip(image, 0, 255).astype(np.uint8)


def place(
    card: Pixels,
    frame: Pixels,
    rng: random.Random,
    angle: float,
    perspective: float,
    fill: float,
    *,
    anywhere: bool = True,
) -> tuple[Pixels, tuple[tuple[float, float], ...]]:
    """Put `card` on `frame` rotated by `angle`, filling about `fill` of the frame's width,
    `anywhere` in the frame (else in its middle)."""
    height, width = card.shape[:2]
    frame_w, frame_h = FRAME
    rad = math.radians(angle)
    rotated_w = width * abs(math.cos(rad)) + height * abs(math.sin(rad))
    rotated_h = width * abs(math.sin(rad)) + height * abs(math.cos(rad))
    scale = min(fill * frame_w / rotated_w, 0.94 * frame_h / rotated_h, 0.94 * frame_w / rotated_w)
    centre = np.array([frame_w / 2, frame_h / 2])
    spare_x = max(0.0, (frame_w - rotated_w * scale) / 2 - 10)
    spare_y = max(0.0, (frame_h - rotated_h * scale) / 2 - 10)
    if anywhere:
        centre += [rng.uniform(-spare_x, spare_x) * 0.8, rng.uniform(-spare_y, spare_y) * 0.8]
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)
    corners -= [width / 2, height / 2]
    corners *= scale
    rotation = np.array([[math.cos(rad), -math.sin(rad)], [math.sin(rad), math.cos(rad)]])
    moved = corners @ rotation.T + centre
    if perspective:
        size = max(width, height) * scale
        moved += np.array([[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(4)]) * (
            perspective * size
        )
    source = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(source, moved.astype(np.float32))
    warped = cv2.warpPerspective(card, matrix, FRAME, flags=cv2.INTER_AREA if scale < 1
                                 else cv2.INTER_CUBIC)  # fmt: skip
    mask = cv2.warpPerspective(np.full(card.shape[:2], 255, np.uint8), matrix, FRAME)
    alpha = (mask.astype(np.float32) / 255.0)[:, :, None]
    out = frame.astype(np.float32) * (1 - alpha) + warped.astype(np.float32) * alpha
    return out.astype(np.uint8), tuple((float(x), float(y)) for x, y in moved)


def photograph(image: Pixels, condition: Condition, rng: random.Random) -> Pixels:
    """The camera's part: light, blur, noise and JPEG."""
    out = image.astype(np.float32)
    height, width = out.shape[:2]
    if condition.light:
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        angle = rng.uniform(0, 2 * math.pi)
        ramp = (xs * math.cos(angle) + ys * math.sin(angle)) / max(width, height)
        ramp = (ramp - ramp.min()) / (np.ptp(ramp) or 1.0)
        gain = 0.45 + 0.65 * ramp
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        shadow = np.exp(-(((xs - cx) / (0.3 * width)) ** 2 + ((ys - cy) / (0.3 * height)) ** 2))
        gain *= 1 - 0.35 * shadow
        out *= gain[:, :, None]
    if condition.blur:
        out = cv2.GaussianBlur(out, (0, 0), condition.blur)
    if condition.noise:
        seed = np.random.default_rng(rng.randint(0, 2**31))
        out += seed.normal(0, condition.noise, out.shape).astype(np.float32)
    pixels = np.clip(out, 0, 255).astype(np.uint8)
    if condition.jpeg:
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="JPEG", quality=condition.jpeg)
        pixels = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))
    return pixels


def make_sample(seed: int, condition: Condition, language: str, kind: str = "") -> Sample:
    """One photographed label or page: the same seed always gives the same picture."""
    rng = random.Random(f"{seed}-{condition.name}-{language}-{kind}")
    kind = kind or rng.choice(("label", "label", "address", "document"))
    font = rng.choice(fonts())
    size = rng.randint(*condition.text_px)
    if kind == "document":
        lines = document_lines(rng, language, rng.randint(34, 48))
        fill, centred, title = 0.9, False, 1.0
    elif kind == "address":
        lines = address_lines(rng, language)
        fill, centred, title = 0.5, False, 1.0
    else:
        lines = label_lines(rng, language)
        fill, centred, title = 0.6, rng.random() < 0.5, rng.choice((1.0, 1.3))
    # Size the text in the frame: render at a size, then scale the card so the body font is `size`.
    render_size = max(size, 28)
    card = render_card(lines, font, render_size, centred=centred, title_scale=title)
    angle = rng.uniform(*condition.tilt) * rng.choice((-1, 1))
    card_scale = size / render_size
    frame_fill = card.shape[1] * card_scale / FRAME[0]
    if frame_fill > 0.95 or card.shape[0] * card_scale > 0.9 * FRAME[1]:
        # Too big for the frame at this size: the text gets smaller, as it would in a photo.
        frame_fill = min(0.95, fill)
    pixels, corners = place(card, background(rng), rng, angle, condition.perspective, frame_fill)
    pixels = photograph(pixels, condition, rng)
    return Sample(pixels, tuple(lines), language, kind, condition.name, angle, corners)


def shifted(sample_seed: int, language: str, dx: float, size_px: int = 24) -> Sample:
    """A label pushed `dx` of the frame's width sideways, so part of it leaves the frame."""
    condition = Condition("shifted", text_px=(size_px, size_px))
    sample = make_sample(sample_seed, condition, language, "label")
    shift = round(dx * FRAME[0])
    moved = np.roll(sample.pixels, shift, axis=1)
    fill_from, fill_to = (0, shift) if shift > 0 else (FRAME[0] + shift, FRAME[0])
    moved[:, fill_from:fill_to] = sample.pixels[:, :1].mean(axis=1, keepdims=True).astype(np.uint8)
    corners = tuple((x + shift, y) for x, y in sample.card)
    return replace(sample, pixels=moved, card=corners)


# --- scoring ------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Text as compared: one space between words; quotes and dashes in one form."""
    text = text.replace("—", "-").replace("–", "-").replace("“", '"').replace("”", '"')
    text = text.replace("‘", "'").replace("’", "'").replace("«", '"').replace("»", '"')
    return " ".join(text.split())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, row by row with numpy."""
    if not a:
        return len(b)
    if not b:
        return len(a)
    previous = np.arange(len(b) + 1, dtype=np.int32)
    codes_b = np.array([ord(c) for c in b], dtype=np.int32)
    for i, char in enumerate(a, 1):
        substitution = previous[:-1] + (codes_b != ord(char))
        current = np.empty_like(previous)
        current[0] = i
        current[1:] = np.minimum(previous[1:] + 1, substitution)
        # insertions run left to right: a cumulative minimum with the index offset
        offsets = np.arange(len(b) + 1, dtype=np.int32)
        current = np.minimum.accumulate(current - offsets) + offsets
        previous = current
    return int(previous[-1])


def character_accuracy(read: str, truth: str) -> float:
    """Share of the truth's characters read right (1 - character error rate, at least 0)."""
    read, truth = normalise(read), normalise(truth)
    if not truth:
        return 1.0 if not read else 0.0
    return max(0.0, 1.0 - edit_distance(read, truth) / len(truth))


def label_photo(
    lines: list[str],
    *,
    tilt: float = 0.0,
    size_px: int = 24,
    blur: float = 0.0,
    shift: float = 0.0,
    seed: int = 0,
) -> Pixels:
    """A photograph of a label with exactly these lines: tilted `tilt` degrees (clockwise on
    screen), its font `size_px` high, blurred, and pushed `shift` of the frame sideways."""
    rng = random.Random(f"label-{seed}")
    font = fonts()[0]
    card = render_card(lines, font, 28, centred=False)
    fill = card.shape[1] * size_px / 28 / FRAME[0]
    pixels, _corners = place(card, background(rng), rng, tilt, 0.0, fill, anywhere=False)
    if shift:
        moved = np.roll(pixels, round(shift * FRAME[0]), axis=1)
        edge = (
            slice(0, round(shift * FRAME[0])) if shift > 0 else slice(round(shift * FRAME[0]), None)
        )
        moved[:, edge] = pixels[:, :1].mean(axis=1, keepdims=True).astype(np.uint8)
        pixels = moved
    return photograph(pixels, Condition("label", blur=blur, noise=3, jpeg=80), rng)
