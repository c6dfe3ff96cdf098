"""Read a GGUF file's header: its metadata and the place and size of every tensor.

The worker checks a vision projector before llama.cpp loads it: a projector for another model,
of the wrong width, or cut short makes llama.cpp fail an assertion (which ends the process) or
read past the end of the file. Reading the header needs no llama.cpp and reads only the start of
the file. The format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..errors import ModelFileError

MAGIC = b"GGUF"
DEFAULT_ALIGNMENT = 32
MAX_STRING = 1 << 24
MAX_ITEMS = 1 << 24

_SCALARS = {  # GGUF value type -> struct format
    0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q",
    12: "<d",
}  # fmt: skip
_STRING, _ARRAY = 8, 9

# ggml type -> (bytes per block, values per block), for the types model files use.
_TYPE_SIZES = {
    0: (4, 1), 1: (2, 1), 2: (18, 32), 3: (20, 32), 6: (22, 32), 7: (24, 32), 8: (34, 32),
    9: (36, 32), 10: (84, 256), 11: (110, 256), 12: (144, 256), 13: (176, 256), 14: (210, 256),
    15: (292, 256), 24: (1, 1), 25: (2, 1), 26: (4, 1), 27: (8, 1), 28: (8, 1), 30: (2, 1),
}  # fmt: skip


@dataclass(frozen=True)
class TensorInfo:
    name: str
    dims: tuple[int, ...]
    """ggml order: dims[0] is the row length."""
    ggml_type: int
    offset: int
    """From the start of the data section."""

    @property
    def nbytes(self) -> int | None:
        """Size of the data, or None for a type this reader does not know."""
        if (size := _TYPE_SIZES.get(self.ggml_type)) is None:
            return None
        count = 1
        for dim in self.dims:
            count *= dim
        return count * size[0] // size[1]


@dataclass(frozen=True)
class GgufHeader:
    path: Path
    metadata: dict[str, object]
    tensors: dict[str, TensorInfo] = field(repr=False)
    data_start: int

    def get(self, key: str, default: object = None) -> object:
        return self.metadata.get(key, default)

    def missing_bytes(self) -> int:
        """How many bytes the file lacks for the tensors its header lists (0: complete)."""
        end = self.data_start
        for tensor in self.tensors.values():
            end = max(end, self.data_start + tensor.offset + (tensor.nbytes or 0))
        return max(0, end - self.path.stat().st_size)


class _Reader:
    def __init__(self, file: BinaryIO) -> None:
        self._file = file

    def take(self, count: int) -> bytes:
        data = self._file.read(count)
        if len(data) != count:
            raise ValueError("the header ends early")
        return data

    def scalar(self, fmt: str) -> object:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def count(self, limit: int = MAX_ITEMS) -> int:
        value = int(struct.unpack("<Q", self.take(8))[0])
        if value > limit:
            raise ValueError(f"implausible count {value}")
        return value

    def string(self) -> str:
        return self.take(self.count(MAX_STRING)).decode("utf-8", errors="replace")

    def value(self, kind: int) -> object:
        if kind in _SCALARS:
            return self.scalar(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            item_kind = int(struct.unpack("<I", self.take(4))[0])
            return [self.value(item_kind) for _ in range(self.count())]
        raise ValueError(f"unknown value type {kind}")

    def tell(self) -> int:
        return self._file.tell()


def read_header(path: Path) -> GgufHeader:
    """The header of `path`; `ModelFileError` (spoken as damaged) if it is not a valid GGUF."""
    try:
        with path.open("rb") as file:
            reader = _Reader(file)
            if reader.take(4) != MAGIC:
                raise ValueError("not a GGUF file")
            version = int(struct.unpack("<I", reader.take(4))[0])
            if version not in (2, 3):
                raise ValueError(f"GGUF version {version} is not supported")
            n_tensors, n_kv = reader.count(), reader.count()
            metadata: dict[str, object] = {}
            for _ in range(n_kv):
                key = reader.string()
                metadata[key] = reader.value(int(struct.unpack("<I", reader.take(4))[0]))
            tensors: dict[str, TensorInfo] = {}
            for _ in range(n_tensors):
                name = reader.string()
                n_dims = int(struct.unpack("<I", reader.take(4))[0])
                if n_dims > 8:
                    raise ValueError(f"tensor {name} has {n_dims} dimensions")
                dims = tuple(int(d) for d in struct.unpack(f"<{n_dims}Q", reader.take(8 * n_dims)))
                kind, offset = struct.unpack("<IQ", reader.take(12))
                tensors[name] = TensorInfo(name, dims, int(kind), int(offset))
            alignment = metadata.get("general.alignment", DEFAULT_ALIGNMENT)
            align = alignment if isinstance(alignment, int) and alignment > 0 else DEFAULT_ALIGNMENT
            data_start = -(-reader.tell() // align) * align
    except (OSError, ValueError, struct.error) as err:
        raise ModelFileError(
            f"{path.name} is not a readable GGUF file: {err}",
            advice="the file is damaged or of another format; fetch or convert it again",
            spoken="the description model file is damaged",
            phrase="model_damaged",
        ) from err
    return GgufHeader(path, metadata, tensors, data_start)
