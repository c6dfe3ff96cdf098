"""A vision projector is checked from its header before llama.cpp is given it."""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np
import pytest

from vestsight.errors import ModelFileError
from vestsight.llm.gguf_header import read_header
from vestsight.llm.projector_check import check_projector


def write_projector(path: Path, kind: str = "gemma3nv", width: int = 64) -> Path:
    """A small projector file with the keys and a tensor like the converter's."""
    writer = gguf.GGUFWriter(path, "clip")
    writer.add_clip_has_vision_encoder(True)
    writer.add_clip_vision_projector_type(kind)
    writer.add_vision_projection_dim(width)
    # Gemma 3n's projection is a Linear(vision, text): both 64 wide here, as E2B's are 2048.
    writer.add_tensor("mm.input_projection.weight", np.ones((width, 64), dtype=np.float16))
    writer.add_tensor("v.conv_stem.conv.weight", np.ones((8, 3, 3, 3), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_a_matching_projector_passes_and_its_header_reads_back(tmp_path: Path) -> None:
    path = write_projector(tmp_path / "mmproj.gguf")
    check_projector(path, "gemma3n", 64)
    header = read_header(path)
    assert header.get("clip.vision.projector_type") == "gemma3nv"
    assert header.tensors["mm.input_projection.weight"].dims == (64, 64)
    assert header.missing_bytes() == 0


@pytest.mark.parametrize(
    ("kind", "width", "architecture", "reason"),
    [
        ("gemma4v", 64, "gemma3n", "a gemma4v projector; a gemma3n model takes gemma3nv"),
        ("gemma3nv", 64, "gemma4", "takes gemma4v or gemma4uv"),
        ("gemma3nv", 2048, "gemma3n", "2048-wide embeddings; the model takes 64"),
    ],
)
def test_a_projector_for_another_model_is_refused_with_the_reason(
    tmp_path: Path, kind: str, width: int, architecture: str, reason: str
) -> None:
    path = write_projector(tmp_path / "mmproj.gguf", kind, width)
    with pytest.raises(ModelFileError, match=reason) as refused:
        check_projector(path, architecture, 64)
    assert refused.value.spoken == "the vision projector does not match the description model"


def test_a_truncated_projector_is_damaged(tmp_path: Path) -> None:
    path = write_projector(tmp_path / "mmproj.gguf")
    data = path.read_bytes()
    path.write_bytes(data[:-100])
    with pytest.raises(ModelFileError, match="100 bytes short") as refused:
        check_projector(path, "gemma3n", 64)
    assert refused.value.spoken == "the vision projector file is damaged"
    path.write_bytes(data[:200])  # cut inside the header
    with pytest.raises(ModelFileError, match="not a readable GGUF"):
        check_projector(path, "gemma3n", 64)


def test_a_language_model_or_garbage_is_not_a_projector(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    writer = gguf.GGUFWriter(model, "gemma3n")
    writer.add_tensor("token_embd.weight", np.ones((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with pytest.raises(ModelFileError, match="it is not a projector"):
        check_projector(model, "gemma3n", 64)
    garbage = tmp_path / "garbage.gguf"
    garbage.write_bytes(b"GGUF" + bytes(range(256)) * 8)
    with pytest.raises(ModelFileError, match="not a readable GGUF"):
        check_projector(garbage, "gemma3n", 64)
