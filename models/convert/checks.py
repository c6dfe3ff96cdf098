"""Check what the conversion made before it is recorded: a file that fails is never used.

Text model (each quantization):
- ``general.architecture`` is ``gemma3n`` and the embeddings are the recipe's width;
- the vocabulary has 262,400 tokens and ``<end_of_image>`` is one token, id 262144: mtmd ends
  every image with it, and the published June-2025 files (262,144 tokens) lack it;
- the file type is the quantization asked for, no tensor is BF16 (the Pi's A76 has no BF16
  arithmetic) and every F16 tensor is finite (a bf16 value beyond F16's range would be inf);
- the file holds every byte its header lists, and its size is plausible: the bits per weight
  of its tensors are those of a 4-bit file, and the recipe's range holds for the real models.
Projector: ``clip`` with a vision encoder of type ``gemma3nv`` whose output width
(``clip.vision.projection_dim`` and the shape of ``mm.input_projection.weight``) is the text
model's embedding width, complete, F16, finite, of plausible size.

Files are read with the ``gguf`` package (the dev lock pins it), memory-mapped.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from vestsight.errors import ModelFileError

from .recipes import END_OF_IMAGE, PROJECTOR_TYPE, Quant, Recipe

_LOGGER = logging.getLogger(__name__)

TEXT_BITS = (4.3, 8.0)
"""Bits per weight of a 4-bit Gemma 3n file's tensors (Q6_K embeddings, F16 and F32 included)."""
PROJECTOR_BITS = (15.5, 20.0)
"""Bits per weight of an F16 projector's tensors (its stem and norms are F32)."""
INPUT_PROJECTION = "mm.input_projection.weight"


def _open(path: Path) -> Any:
    import gguf

    try:
        return gguf.GGUFReader(path)
    except (OSError, ValueError, KeyError) as err:
        raise _bad(path, f"it cannot be read as GGUF ({err})") from err


def _bad(path: Path, why: str) -> ModelFileError:
    return ModelFileError(
        f"{path.name} is not a usable Gemma 3n file: {why}",
        advice="it was not recorded; see the converter's log in the work folder",
    )


def _value(reader: Any, key: str) -> Any:
    field = reader.fields.get(key)
    return None if field is None else field.contents()


def _complete_and_sized(reader: Any, path: Path, bits: tuple[float, float],
                        expected: tuple[int, int] | None) -> list[str]:  # fmt: skip
    size = path.stat().st_size
    end = max(int(t.data_offset) + int(t.n_bytes) for t in reader.tensors)
    if end > size:
        raise _bad(path, f"it is {end - size} bytes short of its tensors")
    weights = sum(int(t.n_elements) for t in reader.tensors)
    per_weight = sum(int(t.n_bytes) for t in reader.tensors) * 8 / weights
    if not bits[0] <= per_weight <= bits[1]:
        raise _bad(path, f"{per_weight:.2f} bits per weight, expected {bits[0]}-{bits[1]}")
    if expected is not None and not expected[0] <= size <= expected[1]:
        raise _bad(path, f"{size / 1e9:.2f} GB, expected {expected[0] / 1e9:.2f}-"
                         f"{expected[1] / 1e9:.2f} GB")  # fmt: skip
    types = Counter(t.tensor_type.name for t in reader.tensors)
    for tensor in reader.tensors:
        if tensor.tensor_type.name == "F16" and not np.isfinite(tensor.data).all():
            raise _bad(path, f"tensor {tensor.name} has values beyond F16's range")
    mix = ", ".join(f"{name} {count}" for name, count in sorted(types.items()))
    return [f"{size / 1e9:.3f} GB, {weights / 1e6:.0f} M weights, {per_weight:.2f} bits each",
            f"tensors: {mix}"]  # fmt: skip


def check_text_model(path: Path, recipe: Recipe, quant: Quant | None = None) -> list[str]:
    """Facts about a converted 4-bit text model (of `quant`, if given); `ModelFileError`
    naming the first problem."""
    reader = _open(path)
    architecture = _value(reader, "general.architecture")
    if architecture != "gemma3n":
        raise _bad(path, f"architecture {architecture!r}, not gemma3n")
    width = _value(reader, "gemma3n.embedding_length")
    if width != recipe.n_embd:
        raise _bad(path, f"embedding width {width}, expected {recipe.n_embd}")
    tokens = _value(reader, "tokenizer.ggml.tokens") or []
    if len(tokens) != recipe.n_vocab:
        raise _bad(path, f"{len(tokens)} tokens, not Gemma 3n's {recipe.n_vocab} (no image tokens)")
    ids = [index for index, token in enumerate(tokens) if token == END_OF_IMAGE]
    if ids != [recipe.end_of_image_id]:
        raise _bad(
            path, f"{END_OF_IMAGE} is token(s) {ids}, expected only {recipe.end_of_image_id}"
        )
    if quant is not None and _value(reader, "general.file_type") != quant.ftype:
        raise _bad(path, f"file type {_value(reader, 'general.file_type')}, not {quant.label}")
    if any(t.tensor_type.name == "BF16" for t in reader.tensors):
        raise _bad(path, "it has BF16 tensors, which the Pi computes slowly")
    facts = [f"gemma3n, {len(tokens)} tokens, {END_OF_IMAGE} = {ids[0]}, width {width}"]
    return facts + _complete_and_sized(reader, path, TEXT_BITS, recipe.text_bytes)


def check_projector(path: Path, recipe: Recipe) -> list[str]:
    """Facts about a converted vision projector; `ModelFileError` naming the first problem."""
    reader = _open(path)
    if _value(reader, "general.architecture") != "clip":
        raise _bad(path, f"architecture {_value(reader, 'general.architecture')!r}, not clip")
    if not _value(reader, "clip.has_vision_encoder"):
        raise _bad(path, "it has no vision encoder")
    kind = _value(reader, "clip.vision.projector_type") or _value(reader, "clip.projector_type")
    if kind != PROJECTOR_TYPE:
        raise _bad(path, f"projector type {kind!r}, not {PROJECTOR_TYPE}")
    width = _value(reader, "clip.vision.projection_dim")
    projection = next((t for t in reader.tensors if t.name == INPUT_PROJECTION), None)
    if projection is None:
        raise _bad(path, f"it has no {INPUT_PROJECTION}")
    # ggml order [input, output]; mtmd compares the text width with the first (clip.cpp's
    # clip_n_mmproj_embd), the graph outputs the second: both must be the text width.
    shape = [int(size) for size in projection.shape]
    if width != recipe.n_embd or shape[:2] != [recipe.n_embd, recipe.n_embd]:
        raise _bad(path, f"it outputs width {width} ({INPUT_PROJECTION} {shape}); "
                         f"the text model takes {recipe.n_embd}")  # fmt: skip
    audio = "with" if _value(reader, "clip.has_audio_encoder") else "without"
    facts = [f"clip {kind}, output width {width}, {audio} the audio tower"]
    return facts + _complete_and_sized(reader, path, PROJECTOR_BITS, recipe.projector_bytes)
