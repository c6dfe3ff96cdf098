"""Random-weight GGUF files, written tensor by tensor: the shared half of the random builders.

A builder describes its tensors as `TensorSpec`s (name, numpy-order shape, F16 or F32, random
or a constant) and its metadata as a function of a `gguf.GGUFWriter`; `write_gguf` writes the
header through the writer and then streams the data in chunks, so memory stays low however big
the file is. Each tensor has its own generator seeded from the seed and the tensor's name, so a
seed always gives the same bytes.

Every file also carries its recipe (`RECIPE_KEY`: the builder's parameters as JSON, the first
key after the architecture), so a caller can tell whether an existing file is the one it would
build (`read_recipe`; `read_kv` reads a header's keys in well under a second where
``gguf.GGUFReader`` takes ~10 s over a full Gemma vocabulary); llama.cpp ignores keys it does
not know, and its quantizer copies them into the quantized file.
"""

from __future__ import annotations

import json
import logging
import mmap
import os
import struct
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import gguf
import numpy as np

_LOGGER = logging.getLogger(__name__)

WEIGHT_STD = 0.02
CHUNK_ELEMENTS = 1 << 25  # 32 Mi values (128 MiB as float32) generated at a time
RECIPE_KEY = "vestsight.random.recipe"


@dataclass(frozen=True)
class TensorSpec:
    """One tensor to write; `shape` is numpy order, the reverse of ggml's `ne`."""

    name: str
    shape: tuple[int, ...]
    fill: float | None = None  # None: normal(0, WEIGHT_STD); else every value is `fill`
    f32: bool = False

    @property
    def dtype(self) -> type[np.floating[Any]]:
        return np.float32 if self.f32 else np.float16

    @property
    def n_elements(self) -> int:
        return int(np.prod(self.shape))

    @property
    def nbytes(self) -> int:
        return self.n_elements * np.dtype(self.dtype).itemsize


def n_parameters(specs: Sequence[TensorSpec]) -> int:
    return sum(spec.n_elements for spec in specs)


def tensor_chunks(spec: TensorSpec, seed: int) -> Iterator[np.ndarray[Any, Any]]:
    """The tensor's values, flat, in chunks; the same seed gives the same values."""
    if spec.fill is not None:
        yield np.full(spec.n_elements, spec.fill, dtype=spec.dtype)
        return
    rng = np.random.default_rng([seed, zlib.crc32(spec.name.encode())])
    left = spec.n_elements
    while left > 0:
        count = min(left, CHUNK_ELEMENTS)
        values = rng.standard_normal(count, dtype=np.float32)
        values *= WEIGHT_STD
        yield values.astype(spec.dtype, copy=False)
        left -= count


def _pad_to(file: BinaryIO, alignment: int) -> None:
    file.write(b"\0" * (-file.tell() % alignment))


def write_gguf(
    path: Path,
    arch: str,
    specs: Sequence[TensorSpec],
    seed: int,
    add_metadata: Callable[[gguf.GGUFWriter], None],
    recipe: Mapping[str, Any],
) -> None:
    """Header, metadata and tensor infos through GGUFWriter, then the data streamed in chunks."""
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"{path.name}: duplicate tensor names")
    writer = gguf.GGUFWriter(path, arch)
    writer.add_string(RECIPE_KEY, json.dumps(recipe, sort_keys=True))
    add_metadata(writer)
    for spec in specs:
        writer.add_tensor_info(spec.name, spec.shape, np.dtype(spec.dtype), spec.nbytes)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    writer.close()
    alignment = writer.data_alignment
    total = sum(spec.nbytes for spec in specs)
    _LOGGER.info("Writing %d tensors, %.3f GB of F16/F32 data to %s", len(specs), total / 1e9, path)
    started, done, next_report = time.monotonic(), 0, total // 20
    with path.open("r+b") as file:
        file.seek(0, os.SEEK_END)
        _pad_to(file, alignment)
        for spec in specs:
            for chunk in tensor_chunks(spec, seed):
                chunk.tofile(file)
                done += chunk.nbytes
            _pad_to(file, alignment)
            if done >= next_report and total >= 1 << 30:
                rate = done / 1e6 / max(time.monotonic() - started, 1e-3)
                _LOGGER.info("  %5.1f%%  %-34s %6.0f MB/s", 100 * done / total, spec.name, rate)
                next_report = done + total // 20


_SCALAR_FORMATS = {
    gguf.GGUFValueType.UINT8: "B",
    gguf.GGUFValueType.INT8: "b",
    gguf.GGUFValueType.UINT16: "H",
    gguf.GGUFValueType.INT16: "h",
    gguf.GGUFValueType.UINT32: "I",
    gguf.GGUFValueType.INT32: "i",
    gguf.GGUFValueType.FLOAT32: "f",
    gguf.GGUFValueType.BOOL: "?",
    gguf.GGUFValueType.UINT64: "Q",
    gguf.GGUFValueType.INT64: "q",
    gguf.GGUFValueType.FLOAT64: "d",
}


class _Header:
    """Sequential reads of a little-endian GGUF header from a memory map."""

    def __init__(self, data: mmap.mmap) -> None:
        self.data, self.pos = data, 0

    def unpack(self, fmt: str) -> Any:
        (value,) = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return value

    def string(self) -> bytes:
        size = self.unpack("Q")
        self.pos += size
        return self.data[self.pos - size : self.pos]

    def value(self, kind: int) -> Any:
        if kind == gguf.GGUFValueType.STRING:
            return self.string()
        if kind != gguf.GGUFValueType.ARRAY:
            return self.unpack(_SCALAR_FORMATS[gguf.GGUFValueType(kind)])
        item, count = self.unpack("I"), self.unpack("Q")
        if item not in _SCALAR_FORMATS:
            return [self.value(item) for _ in range(count)]
        fmt = _SCALAR_FORMATS[gguf.GGUFValueType(item)]
        values = np.frombuffer(self.data, np.dtype("<" + fmt), count, self.pos).tolist()
        self.pos += count * struct.calcsize(fmt)
        return values


def read_kv(path: Path, keys: Sequence[str]) -> dict[str, Any]:
    """The values of `keys` (those present) from a GGUF header; strings stay bytes.

    Stops as soon as all are found. A bad file raises OSError, ValueError, OverflowError or
    struct.error.
    """
    wanted, found = {key.encode(): key for key in keys}, {}
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        header = _Header(data)
        if header.unpack("I") != gguf.GGUF_MAGIC:
            raise ValueError(f"{path} is not a GGUF file")
        header.pos += 4 + 8  # version, tensor count
        for _ in range(header.unpack("Q")):
            key, kind = header.string(), header.unpack("I")
            value = header.value(kind)
            if key in wanted:
                found[wanted[key]] = value
                if len(found) == len(wanted):
                    break
    return found


def read_recipe(path: Path) -> dict[str, Any] | None:
    """The recipe a file was built with; None for a missing, foreign or broken file."""
    try:
        raw = read_kv(path, [RECIPE_KEY]).get(RECIPE_KEY)
        recipe = json.loads(raw) if isinstance(raw, bytes) else None
    except (OSError, ValueError, OverflowError, struct.error):
        return None
    return recipe if isinstance(recipe, dict) else None


def tensor_type_counts(path: Path) -> Counter[str]:
    reader = gguf.GGUFReader(path)
    return Counter(tensor.tensor_type.name for tensor in reader.tensors)
